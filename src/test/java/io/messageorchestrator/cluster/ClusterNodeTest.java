package io.messageorchestrator.cluster;

import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clustered Vert.x instances in this JVM, on loopback with a cluster name of their own: they find each other
 * through the TCP-IP members list, readiness shows the membership, and a node whose Hazelcast member is gone reports
 * DOWN.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("ClusterNode")
class ClusterNodeTest {
  private final List<ClusterNode> nodes = new ArrayList<>();

  @AfterEach
  void leave() {
    Await.result(Future.join(nodes.stream().map(node -> node.vertx().close()).toList()), 60);
  }

  @Test
  @DisplayName("two nodes form one cluster; each shows node id, cluster name and 2 members; a node whose Hazelcast"
    + " member stopped is DOWN and the other one sees 1 member")
  void membershipAndLossOfTheCluster() {
    String name = TestClusters.uniqueName();
    int portA = TestClusters.freePort();
    int portB = TestClusters.freePort();
    List<Integer> members = List.of(portA, portB);
    List<ClusterNode> joined = Await.result(Future.all(
        ClusterNode.join(TestClusters.loopback(name, portA, members), new VertxOptions(), null),
        ClusterNode.join(TestClusters.loopback(name, portB, members), new VertxOptions(), null))
      .map(all -> all.<ClusterNode>list()), 90);
    nodes.addAll(joined);
    ClusterNode a = joined.get(0);
    ClusterNode b = joined.get(1);

    Poll.until("both nodes see 2 members", Duration.ofSeconds(30),
      () -> a.membership().getInteger("memberCount") == 2 && b.membership().getInteger("memberCount") == 2);
    JsonObject seenByA = check(a);
    assertThat(seenByA.getString("status")).isEqualTo("UP");
    JsonObject data = seenByA.getJsonObject("data");
    assertThat(data.getString("nodeId")).isEqualTo(a.nodeId()).isNotEqualTo(b.nodeId());
    assertThat(data.getString("clusterName")).isEqualTo(name);
    assertThat(data.getBoolean("inCluster")).isTrue();
    assertThat(data.getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("address")).toList())
      .containsExactlyInAnyOrder("127.0.0.1:" + portA, "127.0.0.1:" + portB);
    assertThat(data.getJsonArray("members").stream().filter(m -> ((JsonObject) m).getBoolean("local")).toList())
      .singleElement().extracting(m -> ((JsonObject) m).getString("address")).isEqualTo("127.0.0.1:" + portA);

    b.hazelcast().getLifecycleService().terminate(); // the member dies under the node (e.g. Hazelcast gave up)

    JsonObject seenByB = check(b);
    assertThat(seenByB.getString("status")).isEqualTo("DOWN");
    assertThat(seenByB.getJsonObject("data").getBoolean("inCluster")).isFalse();
    assertThat(seenByB.getJsonObject("data").getString("problem")).contains("Hazelcast is no longer running");
    Poll.until("the other node sees 1 member", Duration.ofSeconds(15),
      () -> a.membership().getInteger("memberCount") == 1);
    assertThat(check(a).getString("status")).isEqualTo("UP");
  }

  @Test
  @DisplayName("a node that closed its Vert.x has left the cluster: DOWN, 'left the cluster'")
  void closedNodeLeft() {
    int port = TestClusters.freePort();
    ClusterNode node = Await.result(ClusterNode.join(TestClusters.loopback(TestClusters.uniqueName(), port,
      List.of(port)), new VertxOptions(), null), 60);
    assertThat(check(node).getString("status")).isEqualTo("UP");
    assertThat(check(node).getJsonObject("data").getInteger("memberCount")).isEqualTo(1);

    Await.result(node.vertx().close(), 60);

    assertThat(check(node).getString("status")).isEqualTo("DOWN");
    assertThat(check(node).getJsonObject("data").getString("problem")).isEqualTo("this node left the cluster");
  }

  @Test
  @DisplayName("a busy member port stops the join with an error naming the address and 'cluster.port'")
  void busyPortIsNamed() throws Exception {
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      Throwable failure = Await.failure(ClusterNode.join(TestClusters.loopback(TestClusters.uniqueName(), port,
        List.of(port)), new VertxOptions(), null));
      assertThat(failure).isInstanceOf(ClusterStartException.class)
        .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("'cluster.port'");
    }
  }

  private static JsonObject check(ClusterNode node) {
    Promise<Status> promise = Promise.promise();
    node.readinessCheck().handle(promise);
    Status status = Await.result(promise.future());
    return new JsonObject().put("status", status.isOk() ? "UP" : "DOWN").put("data", status.getData());
  }
}
