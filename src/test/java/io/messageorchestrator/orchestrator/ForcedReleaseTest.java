package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** H14: with {@code events.steps=false}, {@code lockReleased} announces forced releases only. */
class ForcedReleaseTest {
  private static final JsonObject STEPS_OFF = new JsonObject().put("processingTimeout", 5_000)
    .put("events", new JsonObject().put("steps", false));

  @Test
  @DisplayName("steps=false: a reply, an agent error and an empty response release the lease silently")
  void ordinaryReleasesAreSilent() {
    PlainShard shard = new PlainShard(STEPS_OFF);
    shard.send("ok", "hi");
    shard.reply("ok", "hello");
    shard.send("error", "hi");
    shard.reply(shard.callOf("error"), AgentOutcome.error("agent exploded"));
    shard.send("empty", "hi");
    shard.reply(shard.callOf("empty"), AgentOutcome.reply("  ", null));

    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("outcome"))
      .containsExactly("processed", "failed", "failed");
    assertThat(shard.events(Events.LOCK_RELEASED)).isEmpty();
  }

  @Test
  @DisplayName("steps=false: timeout, stale-lease sweep, emergency unlock and shutdown each announce their release")
  void forcedReleasesAreAnnounced() {
    PlainShard shard = new PlainShard(STEPS_OFF.copy().put("deadlockCheckInterval", 60_000));
    shard.send("timeout", "hang");
    shard.advance(5_000);
    shard.send("unlock", "hang");
    assertThat(shard.machine.operations().emergencyUnlock("unlock")).isEqualTo(1);
    shard.send("shutdown", "hang");
    shard.machine.discardEverything();

    assertThat(shard.events(Events.LOCK_RELEASED)).extracting(event -> event.getString("contactId"))
      .containsExactly("timeout", "unlock", "shutdown");

    PlainShard stale = new PlainShard(STEPS_OFF.copy().put("processingTimeout", 60_000));
    stale.send("stale", "hang");
    stale.monotonicMillis.addAndGet(60_000 + ContactStateMachine.STALE_LEASE_GRACE_MS + 1); // timers not run
    assertThat(stale.machine.operations().detectAndResolveDeadlocks()).isEqualTo(1);
    assertThat(stale.events(Events.LOCK_RELEASED)).singleElement()
      .satisfies(event -> assertThat(event.getString("contactId")).isEqualTo("stale"));
  }

  @Test
  @DisplayName("steps=true: every release is announced, ordinary ones included")
  void stepsOnAnnounceEveryRelease() {
    PlainShard shard = new PlainShard(new JsonObject());
    shard.send("ok", "hi");
    shard.reply("ok", "hello");
    shard.send("error", "hi");
    shard.reply(shard.callOf("error"), AgentOutcome.error("agent exploded"));
    assertThat(shard.events(Events.LOCK_RELEASED)).hasSize(2);
    assertThat(shard.send("x", "y").get()).isNull(); // started, not yet answered
    assertThat(shard.events(Events.LOCK_ACQUIRED)).hasSize(3);
  }
}
