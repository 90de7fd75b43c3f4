package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * http: {@code POST /webhook} over loopback from {@link LoadGenerator} (64 connections, closed loop, 15 s warm-up —
 * the HTTP path keeps the JIT busy for 10+ s on 2 cores — then 10 s measured), contacts drawn from 10,000,
 * ~100-byte {@code {"from","body"}} bodies, echo agent. The suite runs as {@code Main} runs it: one HTTP verticle per
 * event loop on a fixed port.
 */
final class HttpScenario {
  static final int CONNECTIONS = 64;
  static final int CONTACTS = 10_000;
  static final int BODY_BYTES = 100;
  static final int MAX_MESSAGES = 4_000_000;
  static final double TARGET_PER_SEC = 40_000;
  static final double TARGET_P99_MS = 10;

  private HttpScenario() {
  }

  static JsonObject config(int port) {
    return new JsonObject().put("maxConcurrentContacts", 1_000).put("shutdownGracePeriod", 1_000)
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 0));
  }

  static Result run() throws Exception {
    long warmupMs = Long.getLong("bench.http.warmupMs", 15_000);
    long durationMs = Long.getLong("bench.http.durationMs", 10_000);
    Result result = measure("http", null, warmupMs, durationMs);
    return result.target(">= 40,000 req/s, p99 <= 10 ms, 0 errors")
      .check(result.throughputPerSec() >= TARGET_PER_SEC,
        "throughput " + Math.round(result.throughputPerSec()) + " req/s < 40,000")
      .check(result.p99Ms() <= TARGET_P99_MS, "p99 " + result.p99Ms() + " ms > 10 ms");
  }

  /**
   * One closed-loop run against a fresh suite: {@code journal} is the {@code journal} configuration group ({@code
   * null}: the memory journal). The result carries the throughput, the latency and every correctness check; the
   * caller adds its targets.
   */
  static Result measure(String name, JsonObject journal, long warmupMs, long durationMs) throws Exception {
    int threads = Integer.getInteger("bench.http.clientThreads", 2);
    JsonObject config = config(freePort());
    if (journal != null) {
      config.put("journal", journal);
    }
    BenchAgent agent = BenchAgent.echo(CONTACTS);
    Tracker tracker = new Tracker(MAX_MESSAGES, CONTACTS, false);
    LoadGenerator.Report report;
    int sent;
    Double cpuMicrosPerRequest; // null if the measured window never ended
    io.messageorchestrator.journal.JournalStats[] journalStats = new io.messageorchestrator.journal.JournalStats[2];
    long[] threadCpu = new long[4];
    try (Harness harness = Harness.start(config, agent, tracker, OrchestratorSuite.Options.defaults())) {
      LoadGenerator generator = new LoadGenerator(new LoadGenerator.Settings("127.0.0.1", harness.suite.httpPort(),
        CONNECTIONS, threads, warmupMs, durationMs, CONTACTS, BODY_BYTES, MAX_MESSAGES), tracker);
      Profiling.Session[] profiling = new Profiling.Session[1];
      long[] cpuNanos = new long[2];
      report = generator.run(new LoadGenerator.Phases() {
        @Override
        public void measuring() throws Exception {
          cpuNanos[0] = Result.processCpuNanos();
          journalStats[0] = harness.suite.journal().stats();
          threadCpu[0] = threadCpuNanos("journal-sqlite-writer");
          threadCpu[2] = threadCpuNanos("vert.x-eventloop-thread");
          profiling[0] = Profiling.start(journal == null ? name : name + "-" + journal.getString("type"));
        }

        @Override
        public void finished() throws Exception {
          profiling[0].stop();
          cpuNanos[1] = Result.processCpuNanos();
          journalStats[1] = harness.suite.journal().stats();
          threadCpu[1] = threadCpuNanos("journal-sqlite-writer");
          threadCpu[3] = threadCpuNanos("vert.x-eventloop-thread");
        }
      });
      sent = generator.messagesSent();
      cpuMicrosPerRequest = cpuNanos[1] == 0 ? null
        : Result.cpuMicrosPer(cpuNanos[0], cpuNanos[1], report.measuredRequests());
      tracker.expect(sent, 0);
      tracker.awaitDone(30_000);
    }
    double perSec = report.measuredRequests() / report.measuredSeconds();
    return Result.of(name, sent, tracker, agent, durationMs)
      .throughput(perSec)
      .latency(report.latencyMicros(), "request sent -> response read (measured window)")
      .check(report.errors() == 0 && report.non2xx() == 0,
        report.errors() + " errors and " + report.non2xx() + " non-2xx answers")
      .detail("measuredRequests", report.measuredRequests())
      .detail("cpuMicrosPerRequest", cpuMicrosPerRequest)
      .detail("warmupMs", warmupMs)
      .detail("connections", CONNECTIONS)
      .detail("clientEventLoops", threads)
      .detail("non2xx", report.non2xx())
      .detail("errors", report.errors())
      .detail("statuses", new JsonObject(new java.util.LinkedHashMap<>(report.statuses().entrySet().stream()
        .collect(java.util.stream.Collectors.toMap(e -> String.valueOf(e.getKey()), e -> (Object) e.getValue())))))
      .detail("config", config)
      .detail("journalWindow", journalWindow(journalStats))
      // CPU time per request of the journal's writer thread and of the server's event loops: load-independent
      // enough to compare two builds on a busy machine, unlike the rates.
      .detail("writerCpuMicrosPerRequest", perRequest(threadCpu[1] - threadCpu[0], report.measuredRequests()))
      .detail("eventLoopCpuMicrosPerRequest", perRequest(threadCpu[3] - threadCpu[2], report.measuredRequests()));
  }

  private static double perRequest(long nanos, long requests) {
    return requests == 0 ? 0 : Math.round(nanos / 100.0 / requests) / 10.0;
  }

  /** CPU time so far of this JVM's live threads whose name starts with {@code prefix}. */
  private static long threadCpuNanos(String prefix) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith(prefix)) {
        total += Math.max(0, threads.getThreadCpuTime(thread.threadId()));
      }
    }
    return total;
  }

  /** The journal's work in the measured window: appends per commit and their mean wait (why a durable run is slower). */
  private static JsonObject journalWindow(io.messageorchestrator.journal.JournalStats[] stats) {
    if (stats[0] == null || stats[1] == null || stats[1].commits() == stats[0].commits()) {
      return null;
    }
    long appends = stats[1].appends() - stats[0].appends();
    long commits = stats[1].commits() - stats[0].commits();
    return new JsonObject().put("appends", appends).put("commits", commits)
      .put("appendsPerCommit", Math.round(appends * 10.0 / commits) / 10.0)
      .put("meanAppendWaitMicros", appends == 0 ? 0
        : (stats[1].appendNanosTotal() - stats[0].appendNanosTotal()) / appends / 1_000);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
