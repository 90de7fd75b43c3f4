package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V5b — per-conversation limits on one shard's plain core ({@link PlainShard}: hand-moved clocks, hand-run timers):
 * {@code contact.rateLimit} refuses, {@code contact.dailyAgentCalls} holds.
 */
class ContactLimitsTest {
  private static final long DAY = 86_400_000L;

  private static PlainShard shard(int rateLimit, int dailyAgentCalls, String onResume) {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0).put("maxQueueSize", 100)
      .put("contact", new JsonObject().put("rateLimit", rateLimit).put("dailyAgentCalls", dailyAgentCalls))
      .put("handoff", new JsonObject().put("onResume", onResume)));
    // Start the wall clock at a known time of day: 10:00 UTC.
    shard.wallMillis.set(Math.floorDiv(shard.wallMillis.get(), DAY) * DAY + 10 * 3_600_000L);
    return shard;
  }

  /** Sends with {@code acceptOnly} (as the webhooks do): the answer comes once the message has its place. */
  private static ProcessResult accept(PlainShard shard, String contactId, InboundMessage message) {
    AtomicReference<ProcessResult> answer = new AtomicReference<>();
    shard.intake.accept(new ProcessRequest(contactId, message, true), answer::set);
    return answer.get();
  }

  private static ProcessResult accept(PlainShard shard, String contactId, String text) {
    return accept(shard, contactId, InboundMessage.text(text));
  }

  @Test
  @DisplayName("beyond contact.rateLimit messages a minute a conversation's message is refused rate_limited:"
    + " counted, evented messageRejected, never journaled nor given to the agent; the next minute it is accepted")
  void rateLimit() {
    PlainShard shard = shard(3, 0, "skip");
    shard.monotonicMillis.set(10 * ContactLimits.MINUTE_MS); // the start of a minute window
    for (int i = 1; i <= 3; i++) {
      assertThat(accept(shard, "c1", "msg " + i).status()).isNotEqualTo(ProcessResult.Status.REJECTED);
    }

    ProcessResult refused = accept(shard, "c1", "msg 4");
    assertThat(refused.status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(refused.reason()).isEqualTo("rate_limited");
    assertThat(refused.processId()).isNull();
    assertThat(shard.events(Events.MESSAGE_REJECTED)).singleElement()
      .satisfies(event -> assertThat(event.getString("reason")).isEqualTo("rate_limited"));
    assertThat(shard.metrics.registry().get("orchestrator.messages.rejected").tag("reason", "rate_limited")
      .counter().count()).isEqualTo(1);
    assertThat(ShardReports.stats(shard.machine, shard.intake, 0, 10).getLong("rateLimited")).isEqualTo(1);
    // Another conversation is not limited by this one.
    assertThat(accept(shard, "c2", "hello").status()).isNotEqualTo(ProcessResult.Status.REJECTED);

    shard.advance(ContactLimits.MINUTE_MS);
    assertThat(accept(shard, "c1", "msg 5").status()).isNotEqualTo(ProcessResult.Status.REJECTED);
    assertThat(shard.agentCalls.stream().map(call -> call.pending.message.text()))
      .doesNotContain("msg 4");
  }

  @Test
  @DisplayName("contact.rateLimit 0: no limit")
  void rateLimitOff() {
    PlainShard shard = shard(0, 0, "skip");
    for (int i = 0; i < 50; i++) {
      assertThat(accept(shard, "c1", "msg " + i).status()).isNotEqualTo(ProcessResult.Status.REJECTED);
    }
  }

  @Test
  @DisplayName("a message duplicate of an accepted one does not count towards the rate limit")
  void duplicatesDoNotCount() {
    PlainShard shard = shard(2, 0, "skip");
    shard.monotonicMillis.set(10 * ContactLimits.MINUTE_MS);
    accept(shard, "c1", InboundMessage.text("one", "m-1"));
    assertThat(accept(shard, "c1", InboundMessage.text("one", "m-1")).duplicate()).isTrue();
    assertThat(accept(shard, "c1", "two").status()).isNotEqualTo(ProcessResult.Status.REJECTED);
  }

  @Test
  @DisplayName("beyond contact.dailyAgentCalls the conversation's messages are accepted but held (contactPaused by"
    + " limit, reason daily_limit; messageHeld), counted in stats and metrics; the next UTC day releases them")
  void dailyLimitHoldsAndReleasesNextDay() {
    PlainShard shard = shard(0, 2, "all");
    shard.send("c1", "one");
    shard.reply("c1", "re:one");
    shard.send("c1", "two");
    shard.reply("c1", "re:two");

    ProcessResult third = accept(shard, "c1", "three");
    assertThat(third.status()).isEqualTo(ProcessResult.Status.HELD);
    assertThat(shard.agentCalls).hasSize(2);
    JsonObject paused = shard.events(Events.CONTACT_PAUSED).getFirst();
    assertThat(paused.getString("by")).isEqualTo("limit");
    assertThat(paused.getString("reason")).isEqualTo("daily_limit");
    assertThat(shard.events(Events.MESSAGE_HELD)).hasSize(1);
    assertThat(accept(shard, "c1", "four").status()).isEqualTo(ProcessResult.Status.HELD);
    assertThat(shard.events(Events.CONTACT_PAUSED)).hasSize(1); // one hold, not one per message
    JsonObject stats = ShardReports.stats(shard.machine, shard.intake, 0, 10);
    assertThat(stats.getLong("dailyLimited")).isEqualTo(1);
    assertThat(stats.getInteger("heldMessages")).isEqualTo(2);
    assertThat(shard.metrics.registry().get("orchestrator.contacts.pauses").tag("by", "limit").counter().count())
      .isEqualTo(1);
    // Other conversations are not held.
    shard.send("c2", "hi");
    assertThat(shard.callOf("c2").pending.message.text()).isEqualTo("hi");

    shard.advance(14 * 3_600_000L - 1); // 23:59:59.999 UTC: still held
    assertThat(shard.events(Events.CONTACT_RESUMED)).isEmpty();
    shard.advance(1); // midnight UTC
    JsonObject resumed = shard.events(Events.CONTACT_RESUMED).getFirst();
    assertThat(resumed.getString("by")).isEqualTo("ttl");
    assertThat(shard.callOf("c1").pending.message.text()).isEqualTo("three"); // onResume=all
    shard.reply("c1", "re:three");
    assertThat(shard.callOf("c1").pending.message.text()).isEqualTo("four");
    shard.reply("c1", "re:four");
    // The released messages' calls count towards the new day: its two calls are used, the next message is held.
    assertThat(accept(shard, "c1", "five").status()).isEqualTo(ProcessResult.Status.HELD);
    assertThat(shard.events(Events.CONTACT_PAUSED)).hasSize(2);
  }

  @Test
  @DisplayName("an operator's resume releases a conversation held for its daily limit; retries count as calls")
  void dailyLimitOperatorResume() {
    PlainShard shard = shard(0, 1, "all");
    shard.send("c1", "one");
    shard.reply("c1", "re:one");
    assertThat(accept(shard, "c1", "two").status()).isEqualTo(ProcessResult.Status.HELD);

    ContactLane lane = shard.machine.contacts().getOrCreate("default", "c1", shard.monotonicMillis.get());
    JsonObject resumed = shard.machine.pauses().resume(lane, Pauses.BY_OPERATOR, null);
    assertThat(resumed.getBoolean("resumed")).isTrue();
    assertThat(shard.callOf("c1").pending.message.text()).isEqualTo("two");
    assertThat(shard.machine.limits().callsToday(lane.key)).isEqualTo(2);
  }

  @Test
  @DisplayName("a coalesced call of several messages counts as one agent call towards contact.dailyAgentCalls")
  void coalescedCallCountsOnce() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0)
      .put("contact", new JsonObject().put("rateLimit", 0).put("dailyAgentCalls", 2))
      .put("coalesce", new JsonObject().put("quietWindow", 1_000)));
    shard.wallMillis.set(Math.floorDiv(shard.wallMillis.get(), DAY) * DAY + 10 * 3_600_000L);
    shard.send("c1", "one");
    shard.send("c1", "two");
    shard.send("c1", "three");
    shard.advance(1_000);
    assertThat(shard.agentCalls).hasSize(1);
    shard.reply("c1", "re:one-two-three");

    assertThat(accept(shard, "c1", "four").status()).as("one call used of two").isNotEqualTo(
      ProcessResult.Status.HELD);
    shard.advance(1_000);
    assertThat(shard.agentCalls).hasSize(2);
    shard.reply("c1", "re:four");
    assertThat(accept(shard, "c1", "five").status()).as("both calls used").isEqualTo(ProcessResult.Status.HELD);
  }

  @Test
  @DisplayName("contact.dailyAgentCalls 0: no limit")
  void dailyLimitOff() {
    PlainShard shard = shard(0, 0, "skip");
    for (int i = 0; i < 20; i++) {
      shard.send("c1", "msg " + i);
      shard.reply("c1", "re");
    }
    assertThat(shard.agentCalls).hasSize(20);
    assertThat(shard.events(Events.CONTACT_PAUSED)).isEmpty();
  }

  @Test
  @DisplayName("the rate limit's reason is a 429 (a caller's excess), not a 503")
  void rateLimitedIsA429() {
    assertThat(RejectReason.isUnavailable(RejectReason.RATE_LIMITED.label())).isFalse();
  }
}
