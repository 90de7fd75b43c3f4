package io.messageorchestrator.cluster;

import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster-side state of shard ownership on real Hazelcast members in this JVM: claims are exclusive, only
 * their holder releases them, and a member's claims are released when it dies; the plan and the directory are
 * compare-and-set.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("ShardMaps")
class ShardMapsTest {
  /** Three members for the class (formed once): the claims test terminates the third one, the others use two. */
  private List<ClusterNode> nodes;
  private final List<ShardMaps> maps = new ArrayList<>();

  @BeforeAll
  void join() {
    String name = TestClusters.uniqueName();
    List<Integer> ports = List.of(TestClusters.freePort(), TestClusters.freePort(), TestClusters.freePort());
    nodes = Await.result(Future.all(ports.stream()
        .map(port -> ClusterNode.join(TestClusters.loopback(name, port, ports), new VertxOptions(), null)).toList())
      .map(all -> all.<ClusterNode>list()), 90);
    Poll.until("the members see each other", Duration.ofSeconds(30),
      () -> nodes.stream().allMatch(node -> node.nodes().size() == 3));
  }

  @AfterAll
  void leave() {
    maps.forEach(ShardMaps::close);
    Await.result(Future.join(nodes.stream().map(node -> node.vertx().close()).toList()), 60);
  }

  private ShardMaps open(ClusterNode node, Runnable onChange) {
    ShardMaps opened = Await.result(ShardMaps.open(node.vertx(), node.hazelcast(), node.nodeId(), 8, onChange));
    maps.add(opened);
    return opened;
  }

  @Test
  @DisplayName("a claim is held by one member at a time; another member's release does not free it; its holder's"
    + " does; a member's claims are freed when it dies")
  void claims() {
    ShardMaps a = open(nodes.get(2), () -> { });
    ShardMaps b = open(nodes.get(1), () -> { });

    // (Hazelcast logs B's refused unlock at ERROR: "Current thread is not owner of the lock!")
    assertThat(Await.result(a.tryClaims(List.of(1, 2)))).containsExactlyInAnyOrder(1, 2);
    assertThat(Await.result(b.tryClaims(List.of(1, 2, 3)))).containsExactly(3);
    assertThat(Await.result(b.releaseClaim(1))).as("not B's to release").isFalse();
    assertThat(Await.result(b.tryClaims(List.of(1)))).isEmpty();
    assertThat(Await.result(a.releaseClaim(1))).isTrue();
    assertThat(Await.result(b.tryClaims(List.of(1)))).containsExactly(1);

    long killed = System.nanoTime();
    nodes.get(2).hazelcast().getLifecycleService().terminate();
    Poll.until("B can take the claim the dead member held", Duration.ofSeconds(30),
      () -> Await.result(b.tryClaims(List.of(2))).contains(2));
    System.out.printf("[shard maps] a terminated member's claim was free for the other member after %d ms%n",
      TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
  }

  @Test
  @DisplayName("the plan is published by compare-and-set and every member hears of it; the directory keeps the"
    + " newest epoch and clears only its own entry; leaving members are listed, and so are members that do not serve"
    + " (yet)")
  void planDirectoryAndLeaving() throws InterruptedException {
    ShardMaps a = open(nodes.get(0), () -> { });
    CountDownLatch heard = new CountDownLatch(2);
    ShardMaps b = open(nodes.get(1), heard::countDown);

    ShardPlan first = new ShardPlan(1, List.of("a", "b"), List.of("a", "b"));
    ShardPlan second = new ShardPlan(2, List.of("a"), Arrays.asList("a", null));
    assertThat(Await.result(a.publish(null, first))).isTrue();
    assertThat(Await.result(b.publish(null, second))).as("a plan exists already").isFalse();
    assertThat(Await.result(b.publish(first, second))).isTrue();
    assertThat(Await.result(a.publish(first, first))).as("the expected plan is no longer current").isFalse();
    assertThat(Await.result(b.plan())).isEqualTo(second);
    assertThat(heard.await(20, TimeUnit.SECONDS)).as("B heard both publications").isTrue();

    assertThat(Await.result(a.owner(3))).isNull();
    Await.result(a.recordOwner(3, new ShardOwner("a", 5)));
    Await.result(b.recordOwner(3, new ShardOwner("b", 4)));
    assertThat(Await.result(b.owner(3))).as("an older epoch does not replace a newer one")
      .isEqualTo(new ShardOwner("a", 5));
    Await.result(b.recordOwner(3, new ShardOwner("b", 6)));
    Await.result(a.clearOwner(3, new ShardOwner("a", 5)));
    assertThat(Await.result(a.owner(3))).as("A clears only its own entry").isEqualTo(new ShardOwner("b", 6));
    Await.result(b.clearOwner(3, new ShardOwner("b", 6)));
    assertThat(Await.result(a.owner(3))).isNull();

    Await.result(a.markLeaving("node-a"));
    String servingNode = nodes.get(1).nodeId(); // opened its maps: serving
    assertThat(Await.result(b.leaving(List.of("node-a", servingNode, "node-c"))))
      .as("leaving, or never opened its maps (a member still starting)").isEqualTo(Set.of("node-a", "node-c"));
  }
}
