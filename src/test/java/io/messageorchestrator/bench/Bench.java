package io.messageorchestrator.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.PrintStream;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The benchmark suite: {@code Bench [scenario ...]} (names separated by spaces or commas; none or {@code all} runs
 * burst, fanout, hot, http and memory on the memory journal, then durable-http, durable-burst, recovery and crash on
 * the durable ones, then coalesce, then failover and cluster-http, whose nodes are JVMs of the packaged service on
 * PostgreSQL). Each scenario boots the real verticle suite in-process (or service JVMs of its own), drives it and
 * prints one JSON line on stdout (and, with {@code -Dbench.out=FILE}, appended to that file as well: the Maven profile
 * writes {@code <build dir>/bench-results.jsonl}); a short description of the JVM goes to stderr. Several scenarios
 * run one after the other, each in its own JVM with the same options ({@code -Dbench.fork=false}: all in this one).
 * Exit status 1 if any line has a violation (a lost or twice-answered message, broken per-contact order, two
 * messages of one contact at once; an accepted message lost across a kill -9 (crash, failover); a cluster-http
 * answer that is not its own message's echo; durable-http's SQLite rate below half the memory journal's or its p99
 * above 20 ms), 2 for an unknown scenario, 3 if a scenario's JVM could not start or
 * crashed. Other speed and memory targets are reported ({@code meetsTarget}), never fatal.
 *
 * <p>Run it with {@code mvn -Pbench} (see the README); extra JVM options: {@code -Dbench.jvmArgs="..."}. System
 * properties: {@code bench.warmups} (unmeasured runs before burst, fanout and hot; default 40, 3, 2: until the JIT
 * has compiled the message path, a fresh JVM runs it up to twice as slow), {@code bench.hot.jitWarmups} (unmeasured
 * burst runs before hot, whose 100 messages a run are too few for the JIT; default 10), {@code bench.runs} (measured
 * runs of burst, fanout and hot, the median is printed; default 3), {@code bench.http.warmupMs} (15000),
 * {@code bench.http.durationMs} (10000), {@code bench.http.clientThreads} (2), {@code bench.coalesce.contacts}
 * (1000), {@code bench.coalesce.bursts} (2) and {@code bench.coalesce.agentMs} (20) (see {@link CoalesceScenario});
 * profiling of the measured run: see {@link Profiling}.
 */
public final class Bench {
  static final List<String> ALL = List.of("burst", "fanout", "hot", "http", "memory", "durable-http",
    "durable-burst", "recovery", "crash", "coalesce", "failover", "cluster-http");
  static final Set<String> KNOWN = Set.of("burst", "fanout", "fanout50", "hot", "http", "memory", "selfcheck",
    "durable-http", "durable-burst", "recovery", "crash", "coalesce", "failover", "cluster-http");

  private Bench() {
  }

  public static void main(String[] args) {
    Set<String> names = new LinkedHashSet<>();
    for (String arg : args) {
      for (String part : arg.split("[,\\s]+")) {
        if (!part.isBlank()) {
          names.add(part.trim());
        }
      }
    }
    if (names.isEmpty() || names.remove("all")) {
      List<String> chosen = new ArrayList<>(ALL);
      names.stream().filter(name -> !ALL.contains(name)).forEach(chosen::add);
      names = new LinkedHashSet<>(chosen);
    }
    for (String name : names) {
      if (!KNOWN.contains(name)) {
        System.err.println("Unknown scenario '" + name
          + "'. Usage: Bench [all|burst|fanout|hot|http|memory|durable-http|durable-burst|recovery|crash|coalesce|fanout50"
          + "|failover|cluster-http|selfcheck]...");
        System.exit(2);
      }
    }
    if (names.size() > 1 && Boolean.parseBoolean(System.getProperty("bench.fork", "true"))) {
      System.exit(runEachInItsOwnJvm(names));
    }
    System.err.printf("bench: %s, %d CPUs, JDK %s, max heap %d MB, JVM args %s, load %s%n", String.join(",", names),
      Runtime.getRuntime().availableProcessors(), Runtime.version(), Runtime.getRuntime().maxMemory() >> 20,
      ManagementFactory.getRuntimeMXBean().getInputArguments(), Result.loadAverage());
    String outFile = System.getProperty("bench.out");
    PrintStream copy = null;
    if (outFile != null && !outFile.isBlank()) {
      try {
        Path path = Path.of(outFile).toAbsolutePath();
        Files.createDirectories(path.getParent());
        copy = new PrintStream(Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND), true,
          StandardCharsets.UTF_8);
      } catch (IOException e) {
        System.err.println("bench: cannot write " + outFile + ": " + e);
      }
    }
    boolean violated = false;
    for (String name : names) {
      Result result;
      try {
        JsonObject calibration = Calibration.measure();
        result = run(name).detail("calibration", calibration);
      } catch (Throwable failure) {
        failure.printStackTrace();
        result = Result.crashed(name, failure);
      }
      String line = result.json().encode();
      System.out.println(line);
      System.out.flush();
      if (copy != null) {
        copy.println(line);
      }
      violated |= !result.ok();
    }
    if (copy != null) {
      copy.close();
    }
    System.exit(violated ? 1 : 0);
  }

  /**
   * Runs each scenario in a fresh JVM with this JVM's options, one after the other, like JMH's forks: one scenario's
   * garbage, old-generation state and JIT profile must not slow the next (measured: {@code http} lost a fifth of its
   * throughput when it ran after burst, fanout and hot in the same JVM). Exit status: the worst of the children's,
   * 3 for a JVM that could not start or crashed.
   */
  private static int runEachInItsOwnJvm(Set<String> names) {
    int worst = 0;
    for (String name : names) {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Bench.class.getName(), name));
      ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
      // Their options are already among this JVM's arguments: inherited too, an agent in them would load twice.
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().remove("JDK_JAVA_OPTIONS");
      int status;
      try {
        Process child = builder.start();
        Thread killChild = new Thread(child::destroy);
        Runtime.getRuntime().addShutdownHook(killChild);
        status = child.waitFor();
        Runtime.getRuntime().removeShutdownHook(killChild);
      } catch (IOException e) {
        System.err.println("bench: cannot start a JVM for " + name + ": " + e);
        status = 3;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 3;
      }
      if (status > 2) {
        System.err.println("bench: the JVM of " + name + " ended with status " + status + " (crashed or killed)");
        status = 3;
      }
      worst = Math.max(worst, status);
    }
    return worst;
  }

  static Result run(String name) throws Exception {
    return switch (name) {
      case "burst" -> repeated(name, 40, BurstScenario::run); // 10,000 messages a run: C2 needs ~30 to settle
      case "fanout" -> repeated(name, 3, () -> FanoutScenario.run("fanout", FanoutScenario.IN_FLIGHT));
      case "fanout50" -> repeated(name, 3, () -> FanoutScenario.run("fanout50", 50));
      case "hot" -> {
        // 100 messages a run are too few for the JIT: compile the same path (queues, leases, timers) with burst first.
        Result failedWarmup = warmJitWithBurst(Integer.getInteger("bench.hot.jitWarmups", 10));
        yield failedWarmup != null ? failedWarmup : repeated(name, 2, HotScenario::run);
      }
      case "http" -> HttpScenario.run(); // profiles its measured window itself
      case "memory" -> MemoryScenario.run();
      case "durable-http" -> DurableHttpScenario.run(); // memory, SQLite and PostgreSQL interleaved in this JVM
      case "durable-burst" -> repeated(name, 20, BurstScenario::runDurable);
      case "recovery" -> repeated(name, 1, RecoveryScenario::run);
      case "crash" -> CrashScenario.run();
      case "selfcheck" -> SelfCheckScenario.run();
      case "coalesce" -> CoalesceScenario.run(); // real-time windows: one run (bench.coalesce.contacts/bursts/agentMs)
      case "failover" -> FailoverScenario.run(); // its own 5 runs (bench.failover.runs), each a kill -9 of a node
      case "cluster-http" -> ClusterHttpScenario.run(); // single node and 3-node cluster interleaved in rounds
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Runs burst {@code runs} times, unmeasured; returns the first run with a violation, if any. */
  private static Result warmJitWithBurst(int runs) throws Exception {
    for (int i = 1; i <= runs; i++) {
      Result warmup = BurstScenario.run();
      if (!warmup.ok()) {
        return warmup.detail("failedInJitWarmupRun", i);
      }
    }
    return null;
  }

  /**
   * Runs the scenario {@code bench.warmups} times unmeasured (JIT), then {@code bench.runs} times (default 3) and
   * prints the run with the median wall time, listing every run's wall time. A run with a violation, warm-up or
   * not, is printed instead.
   */
  private static Result repeated(String name, int defaultWarmups, Callable<Result> scenario) throws Exception {
    int warmups = Integer.getInteger("bench.warmups", defaultWarmups);
    int runs = Math.max(1, Integer.getInteger("bench.runs", 3));
    for (int i = 1; i <= warmups; i++) {
      Result warmup = scenario.call();
      if (!warmup.ok()) {
        return warmup.detail("failedInWarmupRun", i);
      }
    }
    List<Result> results = new ArrayList<>();
    Profiling.around(name, () -> {
      for (int i = 0; i < runs; i++) {
        Result result = scenario.call();
        results.add(result);
        if (!result.ok()) {
          break;
        }
      }
      return null;
    });
    JsonArray walls = new JsonArray(results.stream().map(r -> (Object) (Math.round(r.wallMs() * 10) / 10.0)).toList());
    Result failed = results.stream().filter(r -> !r.ok()).findFirst().orElse(null);
    Result chosen = failed != null ? failed : results.stream()
      .sorted(Comparator.comparingDouble(Result::wallMs)).toList().get(results.size() / 2);
    return chosen.detail("warmupRuns", warmups).detail("measuredRuns", results.size()).detail("wallMsOfRuns", walls)
      .detail("reported", failed != null ? "the failed run" : "the run with the median wallMs");
  }
}
