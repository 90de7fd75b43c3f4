package io.messageorchestrator.bench;

import io.messageorchestrator.cluster.TestClusters;
import io.messageorchestrator.crash.ServiceProcess;
import io.messageorchestrator.support.Poll;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The packaged service's nodes in child JVMs for the cluster scenarios, started as the crash tests start them
 * ({@link ServiceProcess}: {@code Main} with a {@code -conf} file of its own, the test classpath) but with C2 and a
 * heap of their own ({@link #NODE_JVM}). A set of nodes has a temporary folder (their configurations and logs), a
 * PostgreSQL schema and — clustered — a cluster name and loopback member ports of its own; {@link #close} stops what
 * still runs, drops the schema and deletes the folder ({@code -Dbench.nodes.keepLogs=true} keeps the folder, to read
 * the nodes' logs, and says where it is).
 */
final class BenchNodes implements AutoCloseable {
  /**
   * Each node's JVM: the image's G1 pause target, an explicit heap (four nodes may run beside the benchmark's), and
   * {@code -Dbench.nodes.jvmArgs="..."} (space-separated, e.g. a JFR recording: {@code -XX:StartFlightRecording=...}).
   */
  static final List<String> NODE_JVM = nodeJvm();
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  final String schema;
  private final Path dir;
  private final boolean clustered;
  private final String clusterName;
  private final int shards;
  private final List<Integer> memberPorts;
  private final ServiceProcess[] nodes;
  private final List<ServiceProcess> started = new ArrayList<>();

  private static List<String> nodeJvm() {
    List<String> options = new ArrayList<>(List.of("-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=50"));
    for (String option : System.getProperty("bench.nodes.jvmArgs", "").trim().split("\\s+")) {
      if (!option.isBlank()) {
        options.add(option);
      }
    }
    return List.copyOf(options);
  }

  /**
   * @param count     how many nodes (node {@code i} is started by {@link #start})
   * @param clustered cluster mode ({@code cluster.enabled}) with {@code shards} shards; else one single node
   */
  BenchNodes(String scenario, int count, boolean clustered, int shards) {
    this.clustered = clustered;
    this.shards = shards;
    this.schema = BenchJournals.newSchema(scenario);
    this.clusterName = TestClusters.uniqueName();
    this.memberPorts = IntStream.range(0, count).mapToObj(i -> TestClusters.freePort()).toList();
    this.nodes = new ServiceProcess[count];
    try {
      this.dir = Files.createTempDirectory("bench-" + scenario + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts node {@code node} as process {@code processName} (its files: {@code <processName>.json/.out/.err}) on
   * {@code base} plus this set's PostgreSQL journal and, clustered, its {@code cluster} group; replaces a node that
   * was killed. Does not wait for it.
   */
  ServiceProcess start(int node, String processName, JsonObject base) {
    JsonObject config = base.copy().put("journal", BenchJournals.postgres(schema));
    if (clustered) {
      config.put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("host", "127.0.0.1")
        .put("port", memberPorts.get(node)).put("shards", shards)
        .put("members", new JsonArray(memberPorts.stream().map(port -> "127.0.0.1:" + port).toList())));
    }
    ServiceProcess process = ServiceProcess.start(dir, processName, config, NODE_JVM);
    started.add(process);
    nodes[node] = process;
    return process;
  }

  ServiceProcess node(int node) {
    return nodes[node];
  }

  List<ServiceProcess> nodes() {
    return Arrays.asList(nodes);
  }

  /** Waits until every node is ready and, clustered, the shards are spread over all of them (±1, each once). */
  void awaitBalanced() {
    for (ServiceProcess node : nodes) {
      node.awaitReady(START_TIMEOUT);
    }
    if (!clustered) {
      return;
    }
    int fewest = shards / nodes.length;
    int most = fewest + (shards % nodes.length == 0 ? 0 : 1);
    Poll.until("the " + shards + " shards run on the " + nodes.length + " nodes, " + fewest + "-" + most + " each",
      START_TIMEOUT, () -> {
        int total = 0;
        for (ServiceProcess node : nodes) {
          int owned = ownedShards(node);
          if (owned < fewest || owned > most) {
            return false;
          }
          total += owned;
        }
        return total == shards;
      });
  }

  /** How many shards the node's readiness says it runs ({@code cluster} check, {@code data.shards.owned}). */
  static int ownedShards(ServiceProcess node) {
    return clusterCheck(node).map(data -> data.getJsonObject("shards"))
      .map(shards -> shards == null ? 0 : shards.getJsonArray("owned").size()).orElse(0);
  }

  /**
   * The cluster's members ({@code host:port} of each Hazelcast member) as {@code node} sees them, oldest first: the
   * first is the coordinator.
   */
  static List<String> members(ServiceProcess node) {
    return clusterCheck(node).map(data -> data.getJsonArray("members").stream().map(JsonObject.class::cast)
      .map(member -> member.getString("address")).toList()).orElse(List.of());
  }

  /** Node {@code node}'s Hazelcast member address. */
  String memberAddress(int node) {
    return "127.0.0.1:" + memberPorts.get(node);
  }

  private static java.util.Optional<JsonObject> clusterCheck(ServiceProcess node) {
    JsonArray checks = new JsonObject(node.get("/health/ready").body()).getJsonArray("checks");
    return checks.stream().map(JsonObject.class::cast).filter(check -> "cluster".equals(check.getString("id")))
      .map(check -> check.getJsonObject("data")).findFirst();
  }

  /** CPU time used so far by the live nodes' processes, in nanoseconds (every thread: event loops, GC, JIT). */
  long cpuNanos() {
    long total = 0;
    for (ServiceProcess node : nodes) {
      if (node != null && node.isAlive()) {
        total += ProcessHandle.of(node.pid()).flatMap(handle -> handle.info().totalCpuDuration())
          .map(Duration::toNanos).orElse(0L);
      }
    }
    return total;
  }

  /** The end of each node's output: for a failure message. */
  String describe() {
    StringBuilder text = new StringBuilder();
    for (ServiceProcess node : nodes) {
      if (node != null) {
        String description = node.describe();
        text.append(description, Math.max(0, description.length() - 3_000), description.length()).append('\n');
      }
    }
    return text.toString();
  }

  /**
   * Stops the nodes still running with SIGTERM (their drain, and what a JFR recording of {@code bench.nodes.jvmArgs}
   * needs to be written), killing any that has not ended within 30 s; then drops the schema and deletes the folder.
   */
  @Override
  public void close() {
    started.stream().filter(ServiceProcess::isAlive).forEach(ServiceProcess::terminate);
    for (ServiceProcess node : started) {
      try {
        node.awaitExit(Duration.ofSeconds(30));
      } catch (AssertionError notEnded) {
        System.err.println("bench: a node did not end within 30 s of SIGTERM: killed");
      }
    }
    started.forEach(ServiceProcess::close);
    try {
      BenchJournals.dropSchema(schema);
    } catch (RuntimeException e) {
      System.err.println("bench: could not drop schema " + schema + ": " + e);
    }
    if (Boolean.getBoolean("bench.nodes.keepLogs")) {
      System.err.println("bench: the nodes' configurations and logs are in " + dir);
    } else {
      BenchJournals.delete(dir);
    }
  }
}
