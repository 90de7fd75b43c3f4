package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.support.ForwardingJournal;
import io.vertx.core.Future;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V1 — burst coalescing on one shard's plain core ({@link PlainShard}: hand-moved clock, hand-run timers, agent calls
 * recorded): which agent calls happen (their message lists), when, and which replies come out.
 */
class CoalescingTest {
  /** The memory journal, with every outcome written kept in order (the memory journal forgets finished rows). */
  static final class OutcomeLog extends ForwardingJournal {
    final List<OutcomeRecord> outcomes = new ArrayList<>();

    OutcomeLog() {
      super(new MemoryJournal(1_000));
    }

    @Override
    public Future<Void> recordOutcome(OutcomeRecord outcome) {
      outcomes.add(outcome);
      return super.recordOutcome(outcome);
    }

    OutcomeRecord of(String processId) {
      return outcomes.stream().filter(outcome -> outcome.processId().equals(processId)).reduce((a, b) -> {
        throw new AssertionError("two outcomes for " + processId);
      }).orElseThrow();
    }
  }

  private static PlainShard shard(JsonObject coalesce) {
    return shard(coalesce, new OutcomeLog());
  }

  private static PlainShard shard(JsonObject coalesce, OutcomeLog journal) {
    return new PlainShard(new JsonObject().put("lockTimeout", 0).put("coalesce", coalesce), journal);
  }

  /** Each agent call's message texts, in call order. */
  static List<List<String>> calls(PlainShard shard) {
    return shard.callMessages.stream().map(messages -> messages.stream().map(InboundMessage::text).toList()).toList();
  }

  static List<String> texts(Lease call) {
    return Coalescing.messagesOf(call.pending).stream().map(InboundMessage::text).toList();
  }


  @Test
  @DisplayName("a burst is held until the contact has been quiet for the window, then goes to the agent as one call"
    + " with every message in order, and is answered by one reply")
  void quietWindowFlushesOneCall() {
    OutcomeLog journal = new OutcomeLog();
    PlainShard shard = shard(new JsonObject().put("quietWindow", 3_000), journal);

    shard.send("c1", "hi");
    shard.advance(1_000);
    shard.send("c1", "I want the premium plan");
    shard.advance(2_000);
    shard.send("c1", "for 3 users?");
    shard.advance(2_999);
    assertThat(shard.agentCalls).as("still typing: the window restarts with each message").isEmpty();
    assertThat(shard.events(Events.MESSAGE_COALESCING)).extracting(event -> event.getInteger("count"))
      .containsExactly(1, 2, 3);

    assertThat(ShardReports.stats(shard.machine, shard.intake, 0, 10).getInteger("coalescingMessages")).isEqualTo(3);
    assertThat(ShardReports.status(shard.machine, 0, "c1").getInteger("coalescing")).isEqualTo(3);

    shard.advance(1);
    assertThat(calls(shard)).containsExactly(List.of("hi", "I want the premium plan", "for 3 users?"));
    assertThat(ShardReports.stats(shard.machine, shard.intake, 0, 10).getInteger("coalescingMessages")).isZero();
    assertThat(shard.events(Events.BURST_FLUSHED)).singleElement().satisfies(flushed -> {
      assertThat(flushed.getString("reason")).isEqualTo("quiet");
      assertThat(flushed.getInteger("count")).isEqualTo(3);
      assertThat(flushed.getString("contactId")).isEqualTo("c1");
    });
    // an agent that reads only the message argument still sees the whole burst
    assertThat(Coalescing.primaryMessage(shard.callOf("c1").pending).text())
      .isEqualTo("hi\nI want the premium plan\nfor 3 users?");

    shard.reply("c1", "Premium for 3 users is 30/month");
    List<JsonObject> processed = shard.events(Events.MESSAGE_PROCESSED);
    assertThat(processed).as("one reply for the call").hasSize(1);
    List<String> members = processed.getFirst().getJsonArray("members").stream().map(String.class::cast).toList();
    assertThat(members).containsExactly("n-0-1", "n-0-2", "n-0-3");
    assertThat(processed.getFirst().getString("processId")).isEqualTo("n-0-1");
    assertThat(shard.metrics.count(Outcome.PROCESSED)).isEqualTo(1);
    assertThat(shard.metrics.count(Outcome.COALESCED_INTO)).isEqualTo(2);
    // each member ends with one final outcome in the journal; only the call's carries the reply (the outbox row)
    assertThat(journal.of("n-0-1").outcome()).isEqualTo("processed");
    assertThat(journal.of("n-0-1").reply()).isEqualTo("Premium for 3 users is 30/month");
    for (String member : List.of("n-0-2", "n-0-3")) {
      assertThat(journal.of(member).outcome()).isEqualTo("coalesced_into");
      assertThat(journal.of(member).error()).isEqualTo("coalesced into n-0-1");
      assertThat(journal.of(member).reply()).isNull();
    }
    // the others first, the call (with its reply) last: a crash in between never answers a member twice
    assertThat(journal.outcomes).extracting(OutcomeRecord::processId).containsExactly("n-0-2", "n-0-3", "n-0-1");
    assertThat(shard.machine.contacts().get("c1").idle()).isTrue();
  }

  @Test
  @DisplayName("a user who keeps typing is still answered: maxWait after the first message flushes the burst")
  void maxWaitFlushesAUserWhoKeepsTyping() {
    PlainShard shard = shard(new JsonObject().put("quietWindow", 3_000).put("maxWait", 10_000));

    for (int i = 1; i <= 5; i++) {
      shard.send("c1", "part " + i); // at 0, 2, 4, 6, 8 s: never quiet for 3 s
      shard.advance(2_000);
    }
    assertThat(calls(shard)).containsExactly(List.of("part 1", "part 2", "part 3", "part 4", "part 5"));
    assertThat(shard.events(Events.BURST_FLUSHED).getFirst().getString("reason")).isEqualTo("maxWait");

    shard.send("c1", "part 6"); // a new burst, behind the running call
    shard.reply("c1", "ok");
    shard.advance(3_000);
    assertThat(calls(shard)).hasSize(2).last().isEqualTo(List.of("part 6"));
  }

  @Test
  @DisplayName("maxMessages flushes a burst at once; a burst's messages are not bounded by maxQueueSize, and beyond"
    + " the bounds a message is refused queue_full, never silently dropped")
  void maxMessagesFlushesAndBoundsNeverOverflowSilently() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0).put("maxQueueSize", 1)
      .put("coalesce", new JsonObject().put("quietWindow", 3_000).put("maxMessages", 3)));

    List<AtomicReference<ProcessResult>> answers = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      answers.add(shard.send("c1", "m" + i));
    }
    // m1-m3 flushed and started; m4-m6 flushed and waiting (the one call maxQueueSize allows); m7, m8 in the open
    // burst; m9 would flush a full burst into a full queue: refused, with an answer and an event
    assertThat(calls(shard)).containsExactly(List.of("m1", "m2", "m3"));
    assertThat(shard.events(Events.BURST_FLUSHED)).extracting(event -> event.getString("reason"))
      .containsExactly("maxMessages", "maxMessages");
    assertThat(answers.subList(0, 8)).allSatisfy(answer -> assertThat(answer.get().status())
      .isEqualTo(ProcessResult.Status.QUEUED));
    assertThat(answers.get(8).get().status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(answers.get(8).get().reason()).isEqualTo("queue_full");
    assertThat(shard.events(Events.MESSAGE_REJECTED)).hasSize(1);

    shard.reply("c1", "first");
    assertThat(calls(shard)).last().isEqualTo(List.of("m4", "m5", "m6"));
    shard.reply("c1", "second");
    shard.advance(3_000);
    assertThat(calls(shard)).last().isEqualTo(List.of("m7", "m8"));
    shard.reply("c1", "third");
    // every accepted message has exactly one outcome: 3 calls processed, 5 coalesced into them
    assertThat(shard.metrics.count(Outcome.PROCESSED)).isEqualTo(3);
    assertThat(shard.metrics.count(Outcome.COALESCED_INTO)).isEqualTo(5);
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("response"))
      .containsExactly("first", "second", "third");
  }

  @Test
  @DisplayName("a media message flushes its burst at once (coalesce.flushOnMedia); with flushOnMedia=false it waits")
  void mediaFlushesAtOnce() {
    PlainShard shard = shard(new JsonObject().put("quietWindow", 3_000));
    shard.send("c1", "look at this");
    shard.send("c1", new InboundMessage("", "wamid.1", "image", 0, new JsonObject().put("mediaId", "m1")));

    assertThat(shard.agentCalls).hasSize(1);
    assertThat(Coalescing.messagesOf(shard.callOf("c1").pending)).extracting(InboundMessage::type)
      .containsExactly("text", "image");
    assertThat(shard.events(Events.BURST_FLUSHED).getFirst().getString("reason")).isEqualTo("media");

    PlainShard waits = shard(new JsonObject().put("quietWindow", 3_000).put("flushOnMedia", false));
    waits.send("c1", "look at this");
    waits.send("c1", new InboundMessage("", "wamid.1", "image", 0, null));
    assertThat(waits.agentCalls).isEmpty();
    waits.advance(3_000);
    assertThat(waits.agentCalls).hasSize(1);
  }

  @Test
  @DisplayName("bursts are per conversation: two contacts typing at once get one call each")
  void burstsArePerContact() {
    PlainShard shard = shard(new JsonObject().put("quietWindow", 1_000));
    shard.send("c1", "a1");
    shard.send("c2", "b1");
    shard.send("c1", "a2");
    shard.send("c2", "b2");
    shard.advance(1_000);
    assertThat(calls(shard)).containsExactlyInAnyOrder(List.of("a1", "a2"), List.of("b1", "b2"));
  }

  @Test
  @DisplayName("a paused conversation holds its messages, it does not coalesce them; a pause takes an open burst"
    + " over (held, in order), and nothing reaches the agent")
  void pauseHoldsAnOpenBurst() {
    PlainShard shard = shard(new JsonObject().put("quietWindow", 3_000));
    shard.send("c1", "one");
    shard.send("c1", "two");
    ContactLane lane = shard.machine.contacts().get("c1");
    shard.machine.pauses().pause(lane, 60_000, Pauses.BY_OPERATOR, "a human takes over");
    shard.send("c1", "three");
    shard.advance(10_000);

    assertThat(shard.agentCalls).isEmpty();
    assertThat(lane.burst).isNull();
    List<String> held = new ArrayList<>();
    lane.heldMessages().forEach(pending -> held.add(pending.message.text()));
    assertThat(held).containsExactly("one", "two", "three");
    assertThat(shard.events(Events.BURST_FLUSHED)).isEmpty();
  }

  @Test
  @DisplayName("a coalesced call that fails is dead-lettered as a whole: each of its messages ends failed (each"
    + " can be replayed), with one fallback for the call")
  void aFailedCallDeadLettersEachMember() {
    OutcomeLog journal = new OutcomeLog();
    PlainShard shard = shard(new JsonObject().put("quietWindow", 1_000), journal);
    shard.send("c1", "a");
    shard.send("c1", "b");
    shard.advance(1_000);
    shard.reply(shard.callOf("c1"), AgentOutcome.nonRetryableError("bad request"));

    assertThat(shard.metrics.count(Outcome.FAILED)).isEqualTo(2);
    assertThat(shard.events(Events.MESSAGE_DEAD_LETTERED)).extracting(event -> event.getString("processId"))
      .containsExactlyInAnyOrder("n-0-1", "n-0-2");
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).hasSize(1);
    assertThat(journal.of("n-0-2").outcome()).isEqualTo("failed");
    assertThat(journal.of("n-0-2").reply()).isNull();
  }

  @Test
  @DisplayName("with the memory journal, stopping flushes open bursts so they are processed in the grace period")
  void stoppingFlushesOpenBursts() {
    PlainShard shard = shard(new JsonObject().put("quietWindow", 60_000).put("maxWait", 120_000));
    shard.send("c1", "a");
    shard.send("c1", "b");
    List<String> drained = new ArrayList<>();
    shard.machine.stopAccepting(() -> drained.add("drained"));

    assertThat(calls(shard)).containsExactly(List.of("a", "b"));
    assertThat(shard.events(Events.BURST_FLUSHED).getFirst().getString("reason")).isEqualTo("shutdown");
    shard.reply("c1", "bye");
    assertThat(drained).containsExactly("drained");
  }

  @Test
  @DisplayName("a caller waiting for its message gets the call's reply if it comes within lockTimeout, else"
    + " 'queued' at lockTimeout (R6), never two answers")
  void waitingCallersAreAnsweredOnce() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 5_000)
      .put("coalesce", new JsonObject().put("quietWindow", 1_000)));
    AtomicReference<ProcessResult> first = shard.send("c1", "a");
    AtomicReference<ProcessResult> second = shard.send("c1", "b");
    shard.advance(1_000);
    shard.reply("c1", "one answer");
    assertThat(first.get().status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(second.get().status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(second.get().response()).isEqualTo("one answer");

    PlainShard slow = new PlainShard(new JsonObject().put("lockTimeout", 500)
      .put("coalesce", new JsonObject().put("quietWindow", 1_000)));
    AtomicReference<ProcessResult> waiting = slow.send("c1", "a");
    slow.advance(500);
    assertThat(waiting.get().status()).isEqualTo(ProcessResult.Status.QUEUED);
    slow.advance(500);
    slow.reply("c1", "later"); // PlainShard.send fails the test if a caller is answered twice
    assertThat(slow.events(Events.MESSAGE_PROCESSED).getFirst().getBoolean("queued")).isTrue();
  }

  @Test
  @DisplayName("an unknown midTurn.policy stops start-up with the key named")
  void unknownPolicyIsAConfigError() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.messageorchestrator.config.OrchestratorConfig.from(
        new JsonObject().put("midTurn", new JsonObject().put("policy", "sometimes"))))
      .isInstanceOf(io.messageorchestrator.config.ConfigException.class).hasMessageContaining("midTurn.policy");
  }

  @Test
  @DisplayName("coalescing off (quietWindow 0, the default): each message is its own call, as before")
  void offIsUnchanged() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0));
    shard.send("c1", "a");
    shard.send("c1", "b");
    assertThat(calls(shard)).containsExactly(List.of("a"));
    shard.reply("c1", "ra");
    assertThat(calls(shard)).containsExactly(List.of("a"), List.of("b"));
    assertThat(shard.events(Events.MESSAGE_COALESCING)).isEmpty();
    assertThat(shard.events(Events.MESSAGE_PROCESSED).getFirst().containsKey("members")).isFalse();
  }
}
