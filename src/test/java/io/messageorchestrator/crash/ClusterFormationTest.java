package io.messageorchestrator.crash;

import io.messageorchestrator.cluster.TestClusters;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K1: three nodes as operators run them — {@code Main} in three JVMs (each {@value ServiceProcess#HEAP}) on loopback,
 * one PostgreSQL journal schema shared by all three, a cluster name and member ports of this run only — form one
 * cluster, see a SIGKILLed member leave within the failure-detection delay, and a SIGTERMed one leave at once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@DisplayName("three nodes in separate JVMs form a cluster")
class ClusterFormationTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /** Heartbeats stop at the kill; a member silent for 5 s is removed. Generous: three JVMs share 2 cores. */
  private static final Duration FAILURE_DETECTION_BOUND = Duration.ofSeconds(15);

  @TempDir
  Path dir;
  private Vertx vertx;
  private final String schema = TestPostgres.uniqueSchema("cluster");
  private final List<ServiceProcess> nodes = new ArrayList<>();

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopEverything() {
    nodes.forEach(ServiceProcess::close);
    TestPostgres.dropSchema(vertx, schema);
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("each node's /health/ready shows the 3 members (and /metrics answers); after a SIGKILL the two others show 2 within 15 s and"
    + " stay ready; a node stopped with SIGTERM exits 0 and the last one shows 1 member at once")
  void formsAClusterAndSeesMembersLeave() {
    String name = TestClusters.uniqueName();
    List<Integer> memberPorts = List.of(TestClusters.freePort(), TestClusters.freePort(), TestClusters.freePort());
    // Started side by side: the JVMs boot in parallel, and the cluster forms as they join.
    IntStream.range(0, 3).forEach(i -> nodes.add(ServiceProcess.start(dir, "node" + i,
      config(name, memberPorts.get(i), memberPorts))));
    nodes.forEach(node -> node.awaitReady(START_TIMEOUT));

    Poll.until("every node shows 3 members", START_TIMEOUT,
      () -> nodes.stream().allMatch(node -> memberCount(node) == 3), this::describeMembership);
    Set<String> nodeIds = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      ServiceProcess node = nodes.get(i);
      JsonObject cluster = clusterCheck(node);
      assertThat(cluster.getString("status")).isEqualTo("UP");
      JsonObject data = cluster.getJsonObject("data");
      assertThat(data.getString("clusterName")).isEqualTo(name);
      assertThat(data.getBoolean("inCluster")).isTrue();
      assertThat(addresses(data)).containsExactlyInAnyOrderElementsOf(memberPorts.stream()
        .map(port -> "127.0.0.1:" + port).toList());
      assertThat(localAddress(data)).isEqualTo("127.0.0.1:" + memberPorts.get(i));
      nodeIds.add(data.getString("nodeId"));
    }
    assertThat(nodeIds).as("distinct node ids").hasSize(3);
    HttpResponse<String> metrics = nodes.get(0).get("/metrics");
    assertThat(metrics.statusCode()).as("/metrics of a clustered node").isEqualTo(200);
    assertThat(metrics.body()).contains("vertx_http_server_")
      .as("K6: every meter carries the node's member address").contains("node=\"127.0.0.1:" + memberPorts.get(0) + "\"")
      .contains("orchestrator_");

    nodes.get(0).kill9();

    List<ServiceProcess> survivors = nodes.subList(1, 3);
    Poll.until("the two survivors show 2 members", FAILURE_DETECTION_BOUND,
      () -> survivors.stream().allMatch(node -> memberCount(node) == 2), this::describeMembership);
    for (ServiceProcess survivor : survivors) {
      assertThat(survivor.readiness()).as("%s stays ready", survivor).isEqualTo(200);
      assertThat(addresses(clusterCheck(survivor).getJsonObject("data")))
        .doesNotContain("127.0.0.1:" + memberPorts.get(0));
    }

    ServiceProcess leaving = nodes.get(1);
    leaving.terminate();
    assertThat(leaving.awaitExit(Duration.ofSeconds(60))).as(() -> "graceful stop of a clustered node\n"
      + leaving.describe()).isZero();
    // It left before it exited (no failure detection needed): the last node's view is already updated.
    Poll.until("the last node shows 1 member", Duration.ofSeconds(3), () -> memberCount(nodes.get(2)) == 1,
      this::describeMembership);
    assertThat(leaving.output()).contains("Shutdown complete: {");
  }

  private JsonObject config(String name, int port, List<Integer> memberPorts) {
    return new JsonObject()
      .put("shutdownGracePeriod", 2_000)
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
      .put("journal", TestPostgres.journalConfig(schema, 2))
      .put("cluster", new JsonObject().put("enabled", true).put("name", name).put("host", "127.0.0.1")
        .put("port", port).put("members", new JsonArray(memberPorts.stream().map(p -> "127.0.0.1:" + p).toList())));
  }

  /** The {@code cluster} check of the node's readiness ({@code status}, {@code data}). */
  private static JsonObject clusterCheck(ServiceProcess node) {
    HttpResponse<String> response = node.get("/health/ready");
    JsonArray checks = new JsonObject(response.body()).getJsonArray("checks");
    return checks.stream().map(JsonObject.class::cast).filter(check -> "cluster".equals(check.getString("id")))
      .findFirst().orElseThrow(() -> new AssertionError("no cluster check in " + response.body()));
  }

  private static int memberCount(ServiceProcess node) {
    return clusterCheck(node).getJsonObject("data").getInteger("memberCount");
  }

  private static List<String> addresses(JsonObject data) {
    return data.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("address")).toList();
  }

  private static String localAddress(JsonObject data) {
    return data.getJsonArray("members").stream().map(JsonObject.class::cast).filter(m -> m.getBoolean("local"))
      .map(m -> m.getString("address")).findFirst().orElse(null);
  }

  private String describeMembership() {
    StringBuilder state = new StringBuilder();
    for (ServiceProcess node : nodes) {
      String view;
      try {
        view = node.isAlive() ? clusterCheck(node).encode() : "(ended)";
      } catch (RuntimeException | AssertionError e) {
        view = e.toString();
      }
      state.append('\n').append(view);
    }
    return state.toString();
  }
}
