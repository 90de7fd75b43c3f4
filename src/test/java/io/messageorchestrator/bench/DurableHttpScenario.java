package io.messageorchestrator.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * durable-http: the {@code http} scenario on the SQLite journal, and on PostgreSQL, against the memory journal
 * measured in the same JVM, interleaved (memory, SQLite, PostgreSQL, memory, SQLite, PostgreSQL, …): this machine's
 * speed drifts, so only rates measured side by side are compared. Every run warms the JIT up for {@code
 * bench.durable.warmupMs} (default {@code bench.http.warmupMs}, 15 s: a JFR profile of a SQLite run after a 5 s
 * warm-up had the C2 compiler on a fifth of the machine's CPU during the measured window, still compiling the journal's
 * path), then measures {@code bench.http.durationMs}
 * (10 s); {@code bench.durable.rounds} rounds (2); {@code -Dbench.durable.postgres=false} leaves PostgreSQL out.
 * Each durable run has a journal of its own (a temporary folder, a fresh schema), removed after.
 *
 * <p>The SQLite journal must reach half the memory journal's rate (medians of the rounds) with p99 ≤ 20 ms (the
 * worst SQLite run): a miss makes the line {@code ok: false}. PostgreSQL's ratio is reported (aim ≥ 0.25), never
 * fatal.
 */
final class DurableHttpScenario {
  static final double MIN_SQLITE_RATIO = 0.50;
  static final double MAX_SQLITE_P99_MS = 20;
  static final double AIM_POSTGRES_RATIO = 0.25;

  private DurableHttpScenario() {
  }

  static Result run() throws Exception {
    long firstWarmupMs = Long.getLong("bench.http.warmupMs", 15_000);
    long warmupMs = Long.getLong("bench.durable.warmupMs", firstWarmupMs);
    long durationMs = Long.getLong("bench.http.durationMs", 10_000);
    int rounds = Math.max(1, Integer.getInteger("bench.durable.rounds", 2));
    boolean withPostgres = Boolean.parseBoolean(System.getProperty("bench.durable.postgres", "true"));
    List<Result> memory = new ArrayList<>();
    List<Result> sqlite = new ArrayList<>();
    List<Result> postgres = new ArrayList<>();
    List<String> violations = new ArrayList<>();
    String postgresError = null;
    for (int round = 0; round < rounds; round++) {
      Result memoryRun = HttpScenario.measure("durable-http", null, round == 0 ? firstWarmupMs : warmupMs,
        durationMs);
      memory.add(memoryRun);
      note(violations, "memory run " + (round + 1), memoryRun);
      Path folder = BenchJournals.sqliteFolder("durable-http");
      try {
        Result sqliteRun = HttpScenario.measure("durable-http", BenchJournals.sqlite(folder), warmupMs, durationMs);
        sqlite.add(sqliteRun);
        note(violations, "SQLite run " + (round + 1), sqliteRun);
      } finally {
        BenchJournals.delete(folder);
      }
      if (withPostgres && postgresError == null) {
        String schema = BenchJournals.newSchema("durable-http");
        try {
          Result postgresRun = HttpScenario.measure("durable-http", BenchJournals.postgres(schema), warmupMs,
            durationMs);
          postgres.add(postgresRun);
          note(violations, "PostgreSQL run " + (round + 1), postgresRun);
        } catch (Exception | Error e) {
          postgresError = String.valueOf(e); // reported, not fatal: the server may be missing
          System.err.println("bench: durable-http on PostgreSQL failed: " + e);
        } finally {
          try {
            BenchJournals.dropSchema(schema);
          } catch (RuntimeException e) {
            System.err.println("bench: could not drop schema " + schema + ": " + e);
          }
        }
      }
    }
    double memoryRate = medianRate(memory);
    double sqliteRate = medianRate(sqlite);
    double sqliteRatio = sqliteRate / memoryRate;
    double sqliteP99 = sqlite.stream().mapToDouble(Result::p99Ms).max().orElse(Double.NaN);
    // The line's own numbers are the SQLite run with the median rate.
    Result result = sqlite.stream().sorted(Comparator.comparingDouble(Result::throughputPerSec)).toList()
      .get(sqlite.size() / 2);
    result.target("SQLite >= 50 % of the memory journal's req/s in the same run (medians), its p99 <= 20 ms, "
        + "0 errors (ok: false otherwise); PostgreSQL reported, aim >= 25 %")
      .detail("journal", "sqlite (line's numbers: the SQLite run with the median rate)")
      .detail("rounds", rounds)
      .detail("memoryReqPerSec", rates(memory)).detail("memoryP99Ms", p99s(memory))
      .detail("sqliteReqPerSec", rates(sqlite)).detail("sqliteP99Ms", p99s(sqlite))
      .detail("sqliteRatio", round2(sqliteRatio)).detail("sqliteRatioPerRound", ratios(sqlite, memory))
      .detail("sqliteCpuMicrosPerRequest", cpu(sqlite))
      .detail("sqliteWriterCpuMicrosPerRequest", new JsonArray(sqlite.stream()
        .map(r -> r.details().getValue("writerCpuMicrosPerRequest")).toList()))
      .detail("sqliteEventLoopCpuMicrosPerRequest", new JsonArray(sqlite.stream()
        .map(r -> r.details().getValue("eventLoopCpuMicrosPerRequest")).toList()))
      .detail("memoryEventLoopCpuMicrosPerRequest", new JsonArray(memory.stream()
        .map(r -> r.details().getValue("eventLoopCpuMicrosPerRequest")).toList()))
      .detail("sqliteJournalWindow", new JsonArray(sqlite.stream().map(r -> r.details().getValue("journalWindow"))
        .toList())).detail("memoryCpuMicrosPerRequest", cpu(memory));
    if (sqliteRatio < MIN_SQLITE_RATIO) {
      result.violation("SQLite rate " + Math.round(sqliteRate) + " req/s is " + round2(sqliteRatio)
        + " of the memory journal's " + Math.round(memoryRate) + " (< 0.50)");
    }
    if (!(sqliteP99 <= MAX_SQLITE_P99_MS)) {
      result.violation("SQLite p99 " + sqliteP99 + " ms > 20 ms");
    }
    if (!postgres.isEmpty()) {
      double postgresRatio = medianRate(postgres) / memoryRate;
      result.detail("postgresReqPerSec", rates(postgres)).detail("postgresP99Ms", p99s(postgres))
        .detail("postgresRatio", round2(postgresRatio)).detail("postgresRatioPerRound", ratios(postgres, memory))
        .detail("postgresCpuMicrosPerRequest", cpu(postgres))
        .check(postgresRatio >= AIM_POSTGRES_RATIO, "PostgreSQL at " + round2(postgresRatio) + " of memory (< 0.25)");
    }
    if (postgresError != null) {
      result.detail("postgresError", postgresError).check(false, "PostgreSQL not measured: " + postgresError);
    }
    violations.forEach(result::violation);
    return result;
  }

  /** A violation of another run (lost, duplicated, reordered) makes this line fail too. */
  private static void note(List<String> violations, String run, Result result) {
    if (!result.ok()) {
      result.violations().forEach(violation -> violations.add(run + ": " + violation));
    }
  }

  private static double medianRate(List<Result> runs) {
    double[] sorted = runs.stream().mapToDouble(Result::throughputPerSec).sorted().toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static JsonArray rates(List<Result> runs) {
    return new JsonArray(runs.stream().map(r -> (Object) Math.round(r.throughputPerSec())).toList());
  }

  private static JsonArray p99s(List<Result> runs) {
    return new JsonArray(runs.stream().map(r -> (Object) r.p99Ms()).toList());
  }

  private static JsonArray cpu(List<Result> runs) {
    return new JsonArray(runs.stream().map(r -> r.details().getValue("cpuMicrosPerRequest")).toList());
  }

  private static JsonArray ratios(List<Result> durable, List<Result> memory) {
    JsonArray ratios = new JsonArray();
    for (int i = 0; i < durable.size(); i++) {
      ratios.add(round2(durable.get(i).throughputPerSec() / memory.get(i).throughputPerSec()));
    }
    return ratios;
  }

  static double round2(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
