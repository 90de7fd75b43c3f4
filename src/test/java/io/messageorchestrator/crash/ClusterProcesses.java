package io.messageorchestrator.crash;

import io.messageorchestrator.cluster.TestClusters;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Optional;

/** What the three-JVM cluster tests share: a node's configuration and what its readiness says of the cluster. */
final class ClusterProcesses {
  private ClusterProcesses() {
  }

  /**
   * Node {@code node} of a cluster on loopback: the test's agent and reply gateway ({@code endpoints}, paths of the
   * node's own so every record says which node sent it), the PostgreSQL journal in {@code schema}, the member ports of
   * every node, {@code shards} shards, HTTP on {@code httpPort} (0: any).
   */
  static JsonObject nodeConfig(AgentAndReplySink endpoints, int node, int httpPort, String schema, String clusterName,
                               List<Integer> memberPorts, int shards) {
    return new JsonObject()
      .put("lockTimeout", 0)
      .put("processingTimeout", 15_000)
      .put("maxQueueSize", 1_000)
      .put("shutdownGracePeriod", 5_000)
      .put("events", new JsonObject().put("steps", false))
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", httpPort).put("instances", 1))
      .put("processor", new JsonObject().put("type", "http").put("url", endpoints.agentUrl(node)))
      .put("outbound", new JsonObject().put("type", "http").put("url", endpoints.replyUrl(node)).put("timeout", 5_000))
      .put("journal", TestPostgres.journalConfig(schema, 4))
      .put("cluster", TestClusters.clusterConfig(clusterName, memberPorts.get(node), memberPorts, shards));
  }

  /** The {@code data} of the node's {@code cluster} readiness check, if it has one. */
  static Optional<JsonObject> clusterCheck(ServiceProcess node) {
    JsonArray checks = new JsonObject(node.get("/health/ready").body()).getJsonArray("checks");
    return checks.stream().map(JsonObject.class::cast).filter(check -> "cluster".equals(check.getString("id")))
      .map(check -> check.getJsonObject("data")).findFirst();
  }

  /** The shards the node's readiness says it runs ({@code cluster} check, {@code data.shards.owned}). */
  static List<Integer> ownedShards(ServiceProcess node) {
    return clusterCheck(node).map(data -> data.getJsonObject("shards")).map(shards -> shards.getJsonArray("owned")
        .stream().map(owned -> ((JsonObject) owned).getInteger("shard")).toList())
      .orElse(List.of());
  }
}
