package io.messageorchestrator.orchestrator;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** R7's second half: the sweep restarts a stalled queue (a free lane with waiting work and no pending permit). */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class StalledQueueTest {

  @Test
  @DisplayName("orchestrator.deadlocks.resolve restarts a stalled queue, counts it and announces it")
  // One shard, and no periodic sweep during the test: only the request below may repair the lane.
  @SuiteConfig({"shards=1", "deadlockCheckInterval=86400000"})
  void stalledQueueRestarted(Vertx vertx, OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    Await.result(onlyShard(vertx).stallForTest("stalled", InboundMessage.text("waiting")));
    JsonObject status = Await.result(suite.client().contactStatus("stalled"));
    assertThat(status.getBoolean("locked")).isFalse();
    assertThat(status.getInteger("queueSize")).isEqualTo(1);
    assertThat(status.getBoolean("waitingForPermit")).isFalse();

    JsonObject resolved = Await.result(vertx.eventBus().<JsonObject>request(Addresses.RESOLVE_DEADLOCKS,
      new JsonObject())).body();

    assertThat(resolved.getInteger("resolved")).isEqualTo(1);
    JsonObject processed = events.awaitFirst(Events.MESSAGE_PROCESSED, e -> e.getString("contactId").equals("stalled"));
    assertThat(processed.getString("response")).isEqualTo("re:waiting");
    assertThat(agent.startedFor("stalled")).containsExactly("waiting");
    assertThat(events.awaitAll(Events.DEADLOCKS_RESOLVED, 1).get(0).getInteger("count")).isEqualTo(1);
    assertThat(Await.result(suite.client().getStats()).getLong("totalDeadlocks")).isEqualTo(1);
    // Repaired: a second sweep finds nothing.
    assertThat(Await.result(suite.client().detectAndResolveDeadlocks())).isZero();
  }

  /** The suite's one shard, found among the deployments (the suite does not hand its verticles out). */
  private static ShardVerticle onlyShard(Vertx vertx) {
    List<ShardVerticle> shards = ((VertxInternal) vertx).deploymentManager().deployments().stream()
      .flatMap(deployment -> deployment.deployment().instances().stream())
      .filter(ShardVerticle.class::isInstance).map(ShardVerticle.class::cast).toList();
    assertThat(shards).hasSize(1);
    return shards.get(0);
  }
}
