package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** H11: durations are measured on the monotonic clock; a wall-clock jump only moves the events' timestamps. */
class MonotonicClockTest {
  private static final long FIVE_HOURS = TimeUnit.HOURS.toMillis(5);

  @Test
  @DisplayName("the wall clock jumps five hours: no in-flight call times out, dedup memory is kept, no contact is evicted")
  void wallClockJump() {
    PlainShard shard = new PlainShard(new JsonObject().put("processingTimeout", 30_000).put("dedupWindow", 60_000)
      .put("idleContactTtl", 600_000));
    shard.send("idle", InboundMessage.text("hello", "m-1"));
    shard.reply("idle", "hi");
    AtomicReference<ProcessResult> inFlight = shard.send("busy", "working");
    long acquiredAt = shard.events(Events.LOCK_ACQUIRED).get(1).getLong("timestamp");

    shard.wallMillis.addAndGet(FIVE_HOURS); // NTP step or VM resume: wall time only
    shard.advance(1_000);                   // one real second passes

    assertThat(shard.machine.operations().detectAndResolveDeadlocks()).isZero();
    shard.machine.operations().evictIdleContacts();
    assertThat(shard.events(Events.CONTACTS_EVICTED)).isEmpty();
    assertThat(shard.send("idle", InboundMessage.text("hello", "m-1")).get().duplicate()).isTrue();
    shard.reply("busy", "done");
    assertThat(inFlight.get().status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(shard.events(Events.MESSAGE_PROCESSED).get(1).getLong("duration")).isEqualTo(1_000);

    // Timestamps shown to people follow the wall clock.
    shard.send("later", "hi");
    assertThat(shard.events(Events.LOCK_ACQUIRED).get(2).getLong("timestamp") - acquiredAt)
      .isEqualTo(FIVE_HOURS + 1_000);
  }

  @Test
  @DisplayName("durations still end on the monotonic clock: the dedup window, idle eviction and the stale sweep")
  void monotonicDurationsStillEnd() {
    PlainShard shard = new PlainShard(new JsonObject().put("processingTimeout", 30_000).put("dedupWindow", 60_000)
      .put("idleContactTtl", 600_000));
    shard.send("idle", InboundMessage.text("hello", "m-1"));
    shard.reply("idle", "hi");

    shard.monotonicMillis.addAndGet(600_000);

    assertThat(shard.send("idle", InboundMessage.text("hello", "m-1")).get()).isNull(); // not a duplicate: started
    shard.reply("idle", "hi again");
    shard.monotonicMillis.addAndGet(600_000);
    shard.machine.operations().evictIdleContacts();
    assertThat(shard.events(Events.CONTACTS_EVICTED)).singleElement()
      .satisfies(event -> assertThat(event.getInteger("count")).isEqualTo(1));
  }
}
