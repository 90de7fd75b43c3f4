package io.messageorchestrator.bench;

import io.messageorchestrator.crash.ServiceProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * cluster-http: {@code http}'s load — {@code POST /webhook} (synchronous: answered with the echo agent's reply) from
 * {@link LoadGenerator}, 64 connections, closed loop, contacts drawn from 10,000, ~100-byte bodies — against the
 * packaged service on the PostgreSQL journal, in child JVMs ({@link BenchNodes}: 512 MB each, C2): a three-node
 * cluster ({@code cluster.shards} 64, {@code bench.clusterHttp.shards}) with the requests sent to the three nodes'
 * HTTP in turn, and one single node (cluster mode off) on a schema of its own, measured in the same run, interleaved
 * (single, cluster, single, cluster, …: this machine's speed drifts, so only rates measured side by side are
 * compared). Two thirds of the cluster's requests reach a node that does not own the conversation's shard and travel
 * to its owner over the clustered event bus and back.
 *
 * <p>On one machine the three nodes share its cores, PostgreSQL and the load generator: the ratio cluster / single
 * measures what clustering <b>costs</b> per request (routing, JSON on the wire, Hazelcast), not how far it scales —
 * three machines would each have their own cores. The nodes' CPU time per request (every thread of every node, read
 * from the OS) says the same independently of the load; their CPU per second without load is reported too (what
 * three JVMs spend idle is part of it). Every 200 answer must be the echo of its own message
 * ({@code ok: false} otherwise); errors and non-2xx answers are reported. Rounds: {@code bench.clusterHttp.rounds}
 * (2). The single node's first measurement warms up {@code bench.http.warmupMs} (15 s), the cluster's first three
 * times as long ({@code bench.clusterHttp.clusterWarmupMs}, 45 s: each node sees a third of the requests and the three
 * JVMs compile the same code on the same cores — a JFR recording of the nodes after a 12 s warm-up had each spending
 * 50-70 % of a core in the JIT compilers during the measured window), the others {@code bench.clusterHttp.warmupMs}
 * (5 s); each measures {@code bench.http.durationMs} (10 s).
 */
final class ClusterHttpScenario {
  static final int NODES = 3;
  static final long IDLE_MS = 3_000;

  private ClusterHttpScenario() {
  }

  /** The nodes' configuration besides the journal and the cluster: {@code http}'s, on the built-in echo agent. */
  static JsonObject nodeConfig() {
    return new JsonObject().put("maxConcurrentContacts", 1_000).put("shutdownGracePeriod", 1_000)
      .put("contact", new JsonObject().put("rateLimit", 0).put("dailyAgentCalls", 0))
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 0));
  }

  static Result run() throws Exception {
    long firstWarmupMs = Long.getLong("bench.http.warmupMs", 15_000);
    long firstClusterWarmupMs = Long.getLong("bench.clusterHttp.clusterWarmupMs", 3 * firstWarmupMs);
    long warmupMs = Long.getLong("bench.clusterHttp.warmupMs", 5_000);
    long durationMs = Long.getLong("bench.http.durationMs", 10_000);
    int rounds = Math.max(1, Integer.getInteger("bench.clusterHttp.rounds", 2));
    int shards = Integer.getInteger("bench.clusterHttp.shards", 64);
    List<Measured> single = new ArrayList<>();
    List<Measured> cluster = new ArrayList<>();
    double[] idleCpuMsPerSec = new double[2];
    try (BenchNodes one = new BenchNodes("cluster-http-single", 1, false, 0);
         BenchNodes three = new BenchNodes("cluster-http", NODES, true, shards)) {
      try {
        one.start(0, "single", nodeConfig());
        for (int node = 0; node < NODES; node++) {
          three.start(node, "node" + node, nodeConfig());
        }
        one.awaitBalanced();
        three.awaitBalanced();
        for (int round = 0; round < rounds; round++) {
          single.add(measure(one, round == 0 ? firstWarmupMs : warmupMs, durationMs));
          System.err.println("bench: cluster-http: round " + (round + 1) + ", single node: " + single.getLast());
          cluster.add(measure(three, round == 0 ? firstClusterWarmupMs : warmupMs, durationMs));
          System.err.println("bench: cluster-http: round " + (round + 1) + ", 3-node cluster: " + cluster.getLast());
        }
        idleCpuMsPerSec[0] = idleCpuMsPerSec(one);
        idleCpuMsPerSec[1] = idleCpuMsPerSec(three);
      } catch (RuntimeException | AssertionError e) {
        System.err.println("bench: cluster-http failed; the nodes' last output:\n" + one.describe() + three.describe());
        throw e;
      }
    }
    double singleRate = median(single);
    double clusterRate = median(cluster);
    Measured shown = cluster.stream().sorted(Comparator.comparingDouble(Measured::perSec)).toList()
      .get(cluster.size() / 2);
    long sent = single.stream().mapToLong(m -> m.report.totalRequests()).sum()
      + cluster.stream().mapToLong(m -> m.report.totalRequests()).sum();
    long badAnswers = single.stream().mapToLong(m -> m.report.badAnswers()).sum()
      + cluster.stream().mapToLong(m -> m.report.badAnswers()).sum();
    long errors = single.stream().mapToLong(m -> m.report.errors() + m.report.non2xx()).sum()
      + cluster.stream().mapToLong(m -> m.report.errors() + m.report.non2xx()).sum();
    Result result = new Result("cluster-http")
      .counts(sent, 0, new JsonObject().put("answered200", sent - errors).put("notTheEcho", badAnswers)
        .put("errorsAndNon2xx", errors))
      .throughput(clusterRate)
      .wall(durationMs)
      .latency(shown.report.latencyMicros(), "request sent -> response read, 3-node cluster (its run with the median"
        + " rate, measured window)")
      .target("reported: 3-node cluster req/s / single node req/s, both on PostgreSQL, same run, one machine (3 JVMs"
        + " share its cores: the cost of clustering, not its scale); every answer the echo of its own message (ok:"
        + " false otherwise), 0 errors")
      .check(errors == 0, errors + " errors and non-2xx answers")
      .detail("clusterRatio", DurableHttpScenario.round2(clusterRate / singleRate))
      .detail("clusterRatioPerRound", ratios(cluster, single))
      .detail("singleReqPerSec", rates(single)).detail("clusterReqPerSec", rates(cluster))
      .detail("singleP99Ms", p99s(single)).detail("clusterP99Ms", p99s(cluster))
      .detail("singleNodeCpuMicrosPerRequest", cpu(single))
      .detail("clusterNodesCpuMicrosPerRequest", cpu(cluster))
      .detail("idleCpuMsPerSecond", new JsonObject().put("single", idleCpuMsPerSec[0])
        .put("cluster", idleCpuMsPerSec[1]))
      .detail("statuses", statuses(single, cluster))
      .detail("badAnswers", badAnswers)
      .detail("rounds", rounds).detail("nodes", NODES).detail("shards", shards)
      .detail("connections", HttpScenario.CONNECTIONS).detail("contacts", HttpScenario.CONTACTS)
      .detail("durationMs", durationMs).detail("warmupMs", new JsonObject().put("firstSingle", firstWarmupMs)
        .put("firstCluster", firstClusterWarmupMs).put("others", warmupMs))
      .detail("nodeJvm", new JsonArray(BenchNodes.NODE_JVM))
      .detail("config", nodeConfig().put("journal", "postgres (a schema each for the single node and the cluster)"));
    if (badAnswers > 0) {
      result.violation(badAnswers + " answer(s) 200 that were not the echo agent's reply to their own message");
    }
    return result;
  }

  /** One closed-loop measurement against {@code nodes}, its requests sent to each node's HTTP in turn. */
  private static Measured measure(BenchNodes nodes, long warmupMs, long durationMs) throws Exception {
    List<Integer> ports = nodes.nodes().stream().map(ServiceProcess::port).toList();
    LoadGenerator generator = new LoadGenerator(new LoadGenerator.Settings("127.0.0.1", ports,
      HttpScenario.CONNECTIONS, Integer.getInteger("bench.http.clientThreads", 2), warmupMs, durationMs,
      HttpScenario.CONTACTS, HttpScenario.BODY_BYTES, HttpScenario.MAX_MESSAGES, true), null);
    long[] cpuNanos = new long[2];
    LoadGenerator.Report report = generator.run(new LoadGenerator.Phases() {
      @Override
      public void measuring() {
        cpuNanos[0] = nodes.cpuNanos();
      }

      @Override
      public void finished() {
        cpuNanos[1] = nodes.cpuNanos();
      }
    });
    return new Measured(report, report.measuredRequests() / report.measuredSeconds(),
      Result.cpuMicrosPer(cpuNanos[0], cpuNanos[1], report.measuredRequests()));
  }

  /**
   * The nodes' CPU time per second without load, over {@value #IDLE_MS} ms after the last measurement: what they
   * spend whatever the traffic (timers, heartbeats, the ownership's repair), part of their CPU per request above.
   */
  private static double idleCpuMsPerSec(BenchNodes nodes) throws InterruptedException {
    long start = nodes.cpuNanos();
    long startedAt = System.nanoTime();
    Thread.sleep(IDLE_MS); // a measurement window, not a wait for something to happen
    return Math.round((nodes.cpuNanos() - start) * 10_000.0 / (System.nanoTime() - startedAt)) / 10.0;
  }

  private record Measured(LoadGenerator.Report report, double perSec, double nodesCpuMicrosPerRequest) {
    @Override
    public String toString() {
      return Math.round(perSec) + " req/s, p99 " + report.latencyMicros().getValueAtPercentile(99) / 1000.0
        + " ms, nodes' CPU " + nodesCpuMicrosPerRequest + " µs/request, statuses " + report.statuses()
        + ", bad answers " + report.badAnswers();
    }
  }

  private static double median(List<Measured> runs) {
    double[] sorted = runs.stream().mapToDouble(Measured::perSec).sorted().toArray();
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static JsonArray rates(List<Measured> runs) {
    return new JsonArray(runs.stream().map(m -> (Object) Math.round(m.perSec())).toList());
  }

  private static JsonArray p99s(List<Measured> runs) {
    return new JsonArray(runs.stream()
      .map(m -> (Object) (m.report().latencyMicros().getValueAtPercentile(99) / 1000.0)).toList());
  }

  private static JsonArray cpu(List<Measured> runs) {
    return new JsonArray(runs.stream().map(m -> (Object) m.nodesCpuMicrosPerRequest()).toList());
  }

  private static JsonArray ratios(List<Measured> cluster, List<Measured> single) {
    JsonArray ratios = new JsonArray();
    for (int i = 0; i < cluster.size(); i++) {
      ratios.add(DurableHttpScenario.round2(cluster.get(i).perSec() / single.get(i).perSec()));
    }
    return ratios;
  }

  /** HTTP statuses of every request (warm-up included), single node and cluster; -1: no answer. */
  private static JsonObject statuses(List<Measured> single, List<Measured> cluster) {
    return new JsonObject().put("single", sum(single)).put("cluster", sum(cluster));
  }

  private static JsonObject sum(List<Measured> runs) {
    Map<String, Long> total = runs.stream().flatMap(m -> m.report().statuses().entrySet().stream())
      .collect(Collectors.toMap(e -> String.valueOf(e.getKey()), Map.Entry::getValue, Long::sum,
        java.util.TreeMap::new));
    return new JsonObject(new java.util.LinkedHashMap<String, Object>(total));
  }
}
