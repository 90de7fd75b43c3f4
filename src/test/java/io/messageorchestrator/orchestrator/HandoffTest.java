package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V3 — human handoff on one shard's plain core ({@link PlainShard}: hand-moved clocks, hand-run timers): a paused
 * conversation's messages are held and never given to the agent, the pause ends by itself on the shard's clock, and
 * the held messages go as {@code handoff.onResume} says.
 */
class HandoffTest {
  private static final long MINUTE = 60_000;

  private static PlainShard shard(JsonObject handoff) {
    return new PlainShard(new JsonObject().put("lockTimeout", 0).put("handoff", handoff));
  }

  private static ContactLane lane(PlainShard shard, String contactId) {
    return shard.machine.contacts().getOrCreate("default", contactId, shard.monotonicMillis.get());
  }

  private static void pause(PlainShard shard, String contactId, long ttl) {
    shard.machine.pauses().pause(lane(shard, contactId), ttl, Pauses.BY_OPERATOR, "a human takes over");
  }

  private static List<String> texts(List<Lease> calls) {
    return calls.stream().map(call -> call.pending.message.text()).toList();
  }

  @Test
  @DisplayName("while paused, a message is accepted and held: answered 'held', announced by messageHeld, listed in"
    + " the contact's status, never given to the agent")
  void pausedMessagesAreHeld() {
    PlainShard shard = shard(new JsonObject());
    pause(shard, "c1", MINUTE);

    AtomicReference<ProcessResult> first = shard.send("c1", "hello?");
    AtomicReference<ProcessResult> second = shard.send("c1", "anyone?");

    assertThat(shard.agentCalls).isEmpty();
    assertThat(first.get().status()).isEqualTo(ProcessResult.Status.HELD);
    assertThat(second.get().queuePosition()).isEqualTo(2);
    assertThat(shard.events(Events.MESSAGE_HELD)).extracting(event -> event.getInteger("held")).containsExactly(1, 2);
    JsonObject status = ShardReports.status(shard.machine, 0, "c1");
    assertThat(status.getBoolean("paused")).isTrue();
    assertThat(status.getJsonObject("pause").getString("by")).isEqualTo("operator");
    assertThat(status.getJsonArray("held").stream().map(held -> ((JsonObject) held).getJsonObject("message")
      .getString("text"))).containsExactly("hello?", "anyone?");
    assertThat(ShardReports.stats(shard.machine, shard.intake, 0, 10).getInteger("heldMessages")).isEqualTo(2);
    assertThat(shard.metrics.pausedContacts()).isEqualTo(1);
    assertThat(shard.metrics.heldMessages()).isEqualTo(2);
  }

  @Test
  @DisplayName("other conversations are not paused: the same contact on another account still goes to the agent")
  void pausesArePerConversation() {
    PlainShard shard = shard(new JsonObject());
    pause(shard, "c1", MINUTE);

    shard.send("c2", "not paused");
    shard.intake.accept(new io.messageorchestrator.core.ProcessRequest("shop", "c1",
      InboundMessage.text("other number"), false, null, null), result -> { });

    assertThat(texts(shard.agentCalls)).containsExactly("not paused", "other number");
  }

  @Test
  @DisplayName("the pause ends by itself when its ttl has passed on the shard's clock (timer), by 'ttl'; held"
    + " messages then go as onResume says (skip: handled_by_human, no agent call)")
  void ttlExpiresOnTheInjectedClock() {
    PlainShard shard = shard(new JsonObject());
    pause(shard, "c1", MINUTE);
    shard.send("c1", "held one");

    shard.advance(MINUTE - 1);
    assertThat(shard.events(Events.CONTACT_RESUMED)).isEmpty();
    shard.advance(1);

    assertThat(shard.events(Events.CONTACT_RESUMED)).singleElement().satisfies(resumed -> {
      assertThat(resumed.getString("by")).isEqualTo("ttl");
      assertThat(resumed.getString("onResume")).isEqualTo("skip");
      assertThat(resumed.getInteger("held")).isEqualTo(1);
    });
    assertThat(shard.agentCalls).isEmpty();
    assertThat(shard.metrics.count(Outcome.HANDLED_BY_HUMAN)).isEqualTo(1);
    assertThat(shard.metrics.pausedContacts()).isZero();
    assertThat(shard.metrics.heldMessages()).isZero();
    shard.send("c1", "after the pause");
    assertThat(texts(shard.agentCalls)).containsExactly("after the pause");
  }

  @Test
  @DisplayName("an expired pause ends when the conversation is touched, before its timer ran: the new message goes"
    + " to the agent, not to the held ones")
  void expiredPauseEndsAtTheNextMessage() {
    PlainShard shard = shard(new JsonObject());
    pause(shard, "c1", MINUTE);
    shard.monotonicMillis.addAndGet(MINUTE); // time passes, the timer has not run

    AtomicReference<ProcessResult> answer = shard.send("c1", "back?");

    assertThat(shard.events(Events.CONTACT_RESUMED)).extracting(event -> event.getString("by")).containsExactly("ttl");
    assertThat(answer.get()).isNull(); // started at once: the processed result comes with the reply
    assertThat(texts(shard.agentCalls)).containsExactly("back?");
  }

  @Test
  @DisplayName("onResume=skip (default): every held message ends handled_by_human; no agent call, no reply")
  void resumeSkip() {
    PlainShard shard = shard(new JsonObject());
    pause(shard, "c1", MINUTE);
    shard.send("c1", "one");
    shard.send("c1", "two");

    JsonObject resumed = shard.machine.pauses().resume(lane(shard, "c1"), Pauses.BY_OPERATOR, null);

    assertThat(resumed.getInteger("held")).isEqualTo(2);
    assertThat(shard.agentCalls).isEmpty();
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).isEmpty();
    assertThat(shard.metrics.count(Outcome.HANDLED_BY_HUMAN)).isEqualTo(2);
  }

  @Test
  @DisplayName("onResume=all: the held messages are processed in turn, in order, each answered")
  void resumeAll() {
    PlainShard shard = shard(new JsonObject().put("onResume", "all"));
    pause(shard, "c1", MINUTE);
    shard.send("c1", "one");
    shard.send("c1", "two");

    shard.machine.pauses().resume(lane(shard, "c1"), Pauses.BY_OPERATOR, null);
    shard.reply("c1", "re:one");
    shard.reply("c1", "re:two");

    assertThat(texts(shard.agentCalls)).containsExactly("one", "two");
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("response"))
      .containsExactly("re:one", "re:two");
    assertThat(shard.agentCalls.getFirst().pending.heldBefore).isEmpty();
  }

  @Test
  @DisplayName("onResume=last: one agent call, for the last held message, with the others as its context; they end"
    + " answered_with_last and only the last one's reply is sent")
  void resumeLast() {
    PlainShard shard = shard(new JsonObject().put("onResume", "last"));
    pause(shard, "c1", MINUTE);
    shard.send("c1", "one");
    shard.send("c1", "two");
    shard.send("c1", "three");

    shard.machine.pauses().resume(lane(shard, "c1"), Pauses.BY_OPERATOR, null);
    shard.reply("c1", "re:all three");

    assertThat(texts(shard.agentCalls)).containsExactly("three");
    assertThat(shard.agentCalls.getFirst().pending.heldBefore).extracting(InboundMessage::text)
      .containsExactly("one", "two");
    assertThat(shard.metrics.count(Outcome.ANSWERED_WITH_LAST)).isEqualTo(2);
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("response"))
      .containsExactly("re:all three");
  }

  @Test
  @DisplayName("the agent asks for a human: its reply is published first, then the conversation is paused (by"
    + " 'agent'), and the message waiting behind it is held, not started")
  void agentHandoff() {
    PlainShard shard = shard(new JsonObject());
    shard.send("c1", "I want a person");
    shard.send("c1", "now please");

    shard.reply(shard.callOf("c1"), AgentOutcome.reply("A colleague will write soon", null, true));

    assertThat(shard.eventNames()).containsSubsequence(Events.MESSAGE_PROCESSED, Events.CONTACT_PAUSED,
      Events.MESSAGE_HELD);
    assertThat(shard.events(Events.MESSAGE_PROCESSED).getFirst().getBoolean("handoff")).isTrue();
    assertThat(shard.events(Events.CONTACT_PAUSED).getFirst().getString("by")).isEqualTo("agent");
    assertThat(texts(shard.agentCalls)).containsExactly("I want a person");
    assertThat(lane(shard, "c1").heldCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a pause while a call runs: the call finishes and its reply is sent; the messages waiting are held")
  void pauseDuringACall() {
    PlainShard shard = shard(new JsonObject());
    shard.send("c1", "running");
    shard.send("c1", "waiting");

    pause(shard, "c1", MINUTE);
    shard.reply("c1", "re:running");

    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("response"))
      .containsExactly("re:running");
    assertThat(texts(shard.agentCalls)).containsExactly("running");
    assertThat(lane(shard, "c1").heldCount()).isEqualTo(1);
    assertThat(shard.machine.queuedInShard()).isZero();
  }

  @Test
  @DisplayName("held messages have their own bound, handoff.maxHeld (not maxQueueSize): beyond it a message is"
    + " refused held_full — answered, counted and evented")
  void maxHeld() {
    PlainShard shard = new PlainShard(new JsonObject().put("maxQueueSize", 1)
      .put("handoff", new JsonObject().put("maxHeld", 3)));
    pause(shard, "c1", MINUTE);
    shard.send("c1", "one");
    shard.send("c1", "two");
    shard.send("c1", "three"); // three held although maxQueueSize is 1

    AtomicReference<ProcessResult> refused = shard.send("c1", "four");

    assertThat(lane(shard, "c1").heldCount()).isEqualTo(3);
    assertThat(refused.get().status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(refused.get().reason()).isEqualTo("held_full");
    assertThat(shard.metrics.rejectedCount(RejectReason.HELD_FULL)).isEqualTo(1);
    assertThat(shard.events(Events.MESSAGE_REJECTED)).singleElement()
      .satisfies(event -> assertThat(event.getString("reason")).isEqualTo("held_full"));
  }

  @Test
  @DisplayName("a pause again replaces the previous one: new expiry, who and why; the held messages stay")
  void pauseAgainExtends() {
    PlainShard shard = shard(new JsonObject());
    pause(shard, "c1", MINUTE);
    shard.send("c1", "held");
    shard.advance(MINUTE / 2);
    shard.machine.pauses().pause(lane(shard, "c1"), MINUTE, Pauses.BY_BUSINESS, "again");

    shard.advance(MINUTE / 2);
    assertThat(shard.events(Events.CONTACT_RESUMED)).isEmpty();
    assertThat(lane(shard, "c1").heldCount()).isEqualTo(1);
    shard.advance(MINUTE / 2);
    assertThat(shard.events(Events.CONTACT_RESUMED)).hasSize(1);
    assertThat(shard.metrics.pausedContacts()).isZero();
  }

  @Test
  @DisplayName("a paused conversation is never forgotten as idle (its pause and held messages stay)")
  void pausedLanesAreNotEvicted() {
    PlainShard shard = new PlainShard(new JsonObject().put("idleContactTtl", 1_000));
    pause(shard, "c1", 10 * MINUTE);
    shard.monotonicMillis.addAndGet(5_000);
    shard.machine.operations().evictIdleContacts();
    assertThat(shard.machine.contacts().get("c1").pause).isNotNull();
  }

  // Business replies (Evolution fromMe, Cloud API echoes) and the bot's own echoes

  private static PlainShard evolutionShard(JsonObject handoff) {
    return new PlainShard(new JsonObject().put("lockTimeout", 0).put("handoff", handoff)
      .put("outbound", new JsonObject().put("type", "evolution").put("url", "http://127.0.0.1:9")
        .put("token", "key")));
  }

  private static JsonObject businessMessage(PlainShard shard, String contactId, String providerId, String text) {
    ContactLane lane = lane(shard, contactId);
    return shard.machine.pauses().businessMessage(lane, providerId, text, shard.machine.sentReplies()).result();
  }

  @Test
  @DisplayName("a message the business sends from its phone pauses the conversation (by 'business')")
  void businessReplyPauses() {
    PlainShard shard = evolutionShard(new JsonObject());

    JsonObject answer = businessMessage(shard, "c1", "BAE5-human", "Hi, this is Ana from the shop");

    assertThat(answer.getBoolean("paused")).isTrue();
    assertThat(shard.events(Events.CONTACT_PAUSED).getFirst().getString("by")).isEqualTo("business");
    shard.send("c1", "thanks Ana");
    assertThat(shard.agentCalls).isEmpty();
  }

  @Test
  @DisplayName("the provider's echo of our own reply never pauses: the same provider id (at any age), or the same"
    + " text within handoff.echoWindow; each reply echoes once")
  void ownEchoDoesNotPause() {
    PlainShard shard = evolutionShard(new JsonObject().put("echoWindow", 10_000));
    shard.send("c1", "hello");
    shard.reply("c1", "Hi! How can I help?");
    shard.send("c1", "prices?");
    shard.reply("c1", "From 10 euros.");
    shard.machine.sentReplies().delivered("c1", shard.agentCalls.get(1).pending.processId, "BAE5-bot", 0);

    shard.advance(60_000);
    assertThat(businessMessage(shard, "c1", "BAE5-bot", "(edited by the app)").getBoolean("echo")).isTrue();
    assertThat(businessMessage(shard, "c1", "BAE5-other", "Hi! How can I help?").getBoolean("paused"))
      .as("the same text, but after the echo window").isTrue();
    assertThat(shard.events(Events.CONTACT_PAUSED)).hasSize(1);

    PlainShard fresh = evolutionShard(new JsonObject().put("echoWindow", 10_000));
    fresh.send("c1", "hello");
    fresh.reply("c1", "Hi! How can I help?");
    fresh.advance(9_000);
    assertThat(businessMessage(fresh, "c1", "BAE5-x", "Hi! How can I help?").getBoolean("echo")).isTrue();
    assertThat(businessMessage(fresh, "c1", "BAE5-y", "Hi! How can I help?").getBoolean("paused"))
      .as("a reply echoes once: the same text again is a human").isTrue();
  }

  @Test
  @DisplayName("handoff.pauseOnBusinessReply=false: business messages change nothing")
  void businessReplyPauseCanBeTurnedOff() {
    PlainShard shard = evolutionShard(new JsonObject().put("pauseOnBusinessReply", false));

    assertThat(businessMessage(shard, "c1", "BAE5-human", "hi").getBoolean("paused")).isFalse();
    shard.send("c1", "still the bot?");
    assertThat(shard.agentCalls).hasSize(1);
  }

  @Test
  @DisplayName("after the shutdown grace period, the memory journal ends held messages discarded_on_shutdown")
  void heldMessagesAtShutdownWithTheMemoryJournal() {
    PlainShard shard = shard(new JsonObject());
    pause(shard, "c1", MINUTE);
    shard.send("c1", "held");

    JsonObject drained = shard.machine.discardEverything();

    assertThat(drained.getInteger("messagesDropped")).isEqualTo(1);
    assertThat(shard.metrics.count(Outcome.DISCARDED_ON_SHUTDOWN)).isEqualTo(1);
    assertThat(shard.metrics.heldMessages()).isZero();
  }
}
