package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** J7: a message older than maxMessageAge when its turn comes is never given to the agent. */
class ExpiryTest {

  @Test
  @DisplayName("waiting messages past maxMessageAge end expired (event, counter, caller told), and the next fresh one runs")
  void staleMessagesExpireWhenTheirTurnComes() {
    PlainShard shard = new PlainShard(new JsonObject().put("maxMessageAge", 60_000).put("lockTimeout", 120_000)
      .put("processingTimeout", 120_000));
    shard.send("c", "slow");
    AtomicReference<ProcessResult> stale = shard.send("c", "asked long ago");
    shard.send("c", "also old");
    shard.advance(60_001);
    AtomicReference<ProcessResult> fresh = shard.send("c", "just now");

    shard.reply("c", "re:slow");

    assertThat(shard.events(Events.MESSAGE_EXPIRED)).extracting(event -> event.getJsonObject("message")
      .getString("text")).containsExactly("asked long ago", "also old");
    assertThat(shard.events(Events.MESSAGE_EXPIRED).get(0).getLong("ageMs")).isGreaterThan(60_000);
    assertThat(stale.get().status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(stale.get().reason()).isEqualTo("expired");
    assertThat(shard.metrics.count(Outcome.EXPIRED)).isEqualTo(2);
    assertThat(shard.agentCalls).extracting(lease -> lease.pending.message.text())
      .containsExactly("slow", "just now");
    shard.reply("c", "re:now");
    assertThat(fresh.get().response()).isEqualTo("re:now");
    assertThat(shard.limit.inUse()).isZero();
  }

  @Test
  @DisplayName("when every waiting message expired the permit is given back and the contact becomes idle")
  void allExpiredGivesPermitBack() {
    PlainShard shard = new PlainShard(new JsonObject().put("maxMessageAge", 1_000).put("lockTimeout", 0)
      .put("processingTimeout", 120_000));
    shard.send("c", "slow");
    shard.send("c", "old");
    shard.advance(1_001);
    shard.reply("c", "done");

    assertThat(shard.events(Events.MESSAGE_EXPIRED)).hasSize(1);
    assertThat(shard.limit.inUse()).isZero();
    assertThat(shard.machine.queuedInShard()).isZero();
    assertThat(shard.machine.contacts().get("c").idle()).isTrue();
  }
}
