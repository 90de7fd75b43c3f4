package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** R7's second half: the sweep restarts a stalled queue (a free lane with waiting work and no pending permit). */
class StalledQueueTest {

  @Test
  @DisplayName("the deadlock sweep restarts a stalled queue, counts it and announces it; the message then runs")
  void stalledQueueRestarted() {
    PlainShard shard = new PlainShard(new JsonObject());
    shard.stall("stalled", InboundMessage.text("waiting"));
    assertThat(shard.agentCalls).isEmpty();

    assertThat(shard.machine.operations().detectAndResolveDeadlocks()).isEqualTo(1);

    assertThat(shard.callOf("stalled").pending.message.text()).isEqualTo("waiting");
    assertThat(shard.events(Events.DEADLOCKS_RESOLVED)).singleElement()
      .satisfies(event -> assertThat(event.getInteger("count")).isEqualTo(1));
    shard.reply(shard.callOf("stalled"), AgentOutcome.reply("done", null));
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).singleElement()
      .satisfies(event -> assertThat(event.getString("response")).isEqualTo("done"));
    // Repaired: the next sweep finds nothing.
    assertThat(shard.machine.operations().detectAndResolveDeadlocks()).isZero();
  }
}
