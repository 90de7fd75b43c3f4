package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.ShardFencedException;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.JournalUnavailableException;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.ForwardingJournal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** J2 in the shard: nothing is answered, queued or started before its journal append has committed. */
class JournaledAcceptanceTest {
  private final HeldJournal journal = new HeldJournal();

  @Test
  @DisplayName("the caller is answered only once the append commits; the message starts only then")
  void answeredAfterTheCommit() {
    PlainShard shard = new PlainShard(new JsonObject(), journal);
    AtomicReference<ProcessResult> answer = shard.send("c", "hello");
    assertThat(answer.get()).isNull();
    assertThat(shard.agentCalls).isEmpty();

    journal.commitNext();
    assertThat(shard.agentCalls).hasSize(1);
    shard.reply("c", "re:hello");
    assertThat(answer.get().response()).isEqualTo("re:hello");
  }

  @Test
  @DisplayName("an append that fails is refused journal_unavailable (HTTP 503) and nothing runs: never an answer for a message that is not journaled")
  void failedAppendIsRefused() {
    PlainShard shard = new PlainShard(new JsonObject(), journal);
    AtomicReference<ProcessResult> answer = shard.send("c", "hello");
    journal.failNext();

    assertThat(answer.get().status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(answer.get().reason()).isEqualTo("journal_unavailable");
    assertThat(shard.agentCalls).isEmpty();
    assertThat(shard.events(Events.MESSAGE_REJECTED)).hasSize(1);
    assertThat(shard.machine.contacts().get("c").idle()).isTrue();
  }

  @Test
  @DisplayName("messages being journaled count against maxQueueSize, so a burst cannot overrun the bound while its appends are under way")
  void appendsInFlightCountAgainstTheQueue() {
    PlainShard shard = new PlainShard(new JsonObject().put("maxQueueSize", 2), journal);
    shard.send("c", "one");
    shard.send("c", "two");
    AtomicReference<ProcessResult> third = shard.send("c", "three");
    assertThat(third.get().reason()).as("refused before any commit").isEqualTo("queue_full");
    assertThat(journal.held()).isEqualTo(2);
  }

  @Test
  @DisplayName("appends commit in order, and the lane takes them in that order (R2)")
  void commitOrderIsLaneOrder() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0), journal);
    for (String text : new String[] {"one", "two", "three"}) {
      shard.send("c", text);
    }
    journal.commitNext();
    journal.commitNext();
    journal.commitNext();
    shard.reply("c", "1");
    shard.reply("c", "2");
    shard.reply("c", "3");
    assertThat(shard.agentCalls).extracting(lease -> lease.pending.message.text())
      .containsExactly("one", "two", "three");
  }

  @Test
  @DisplayName("a message whose append commits after the shard began to stop is accepted but not started: it runs at the next start")
  void commitDuringShutdownIsKeptForTheNextStart() {
    PlainShard shard = new PlainShard(new JsonObject(), journal);
    AtomicReference<ProcessResult> answer = shard.send("c", "late");
    shard.machine.stopAccepting(() -> { });
    journal.commitNext();

    assertThat(answer.get().status()).isEqualTo(ProcessResult.Status.QUEUED);
    assertThat(shard.agentCalls).isEmpty();
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).isEmpty();
  }

  @Test
  @DisplayName("a duplicate found by the journal is answered duplicate and remembered in memory, so the next redelivery costs no append")
  void journalDuplicate() {
    PlainShard shard = new PlainShard(new JsonObject(), journal);
    shard.send("c", InboundMessage.text("hi", "wamid.1"));
    journal.commitNext();
    shard.reply("c", "re:hi");
    // A fresh shard (a restart) knows nothing in memory: the journal says it is a duplicate.
    PlainShard restarted = new PlainShard(new JsonObject(), journal);
    AtomicReference<ProcessResult> again = restarted.send("c", InboundMessage.text("hi", "wamid.1"));
    journal.commitNext();
    assertThat(again.get().duplicate()).isTrue();
    AtomicReference<ProcessResult> thrice = restarted.send("c", InboundMessage.text("hi", "wamid.1"));
    assertThat(thrice.get().duplicate()).isTrue();
    assertThat(journal.held()).isZero();
  }

  @Test
  @DisplayName("a contact whose append is under way is busy: maxContacts never forgets it, so one contact never gets two lanes and two agent calls at once (R1, R2)")
  void appendingContactIsNotEvicted() {
    PlainShard shard = new PlainShard(new JsonObject().put("maxContacts", 1).put("lockTimeout", 0), journal);
    shard.send("a", "one");                                 // held: a's lane waits for its commit
    AtomicReference<ProcessResult> other = shard.send("b", "hello");
    assertThat(other.get()).as("a is not idle: no room for b").isNotNull();
    assertThat(other.get().reason()).isEqualTo("overloaded");
    shard.send("a", "two");
    journal.commitNext();
    journal.commitNext();

    assertThat(shard.machine.contacts().size()).isEqualTo(1);
    assertThat(shard.agentCalls).as("one call at a time for a").extracting(lease -> lease.pending.message.text())
      .containsExactly("one");
    shard.reply("a", "1");
    assertThat(shard.agentCalls).as("then the next, in order").extracting(lease -> lease.pending.message.text())
      .containsExactly("one", "two");
  }

  @Test
  @DisplayName("an outcome the journal refuses is written again after a pause, so the message is not run again at the next start")
  void refusedOutcomeIsWrittenAgain() {
    MemoryJournal store = new MemoryJournal(100);
    AtomicInteger refusals = new AtomicInteger(2);
    Journal hiccup = new ForwardingJournal(store) {
      @Override
      public Future<Void> recordOutcome(OutcomeRecord outcome) {
        return refusals.getAndDecrement() > 0 ? Future.failedFuture(new JournalUnavailableException("busy"))
          : super.recordOutcome(outcome);
      }
    };
    PlainShard shard = new PlainShard(new JsonObject(), hiccup);
    shard.send("c", "hello");
    shard.reply("c", "re:hello");
    assertThat(Await.result(store.recover()).unfinished()).as("refused twice so far").hasSize(1);

    shard.advance(JournalWrites.OUTCOME_RETRY_MS);
    assertThat(Await.result(store.recover()).unfinished()).hasSize(1);
    shard.advance(JournalWrites.OUTCOME_RETRY_MS);
    assertThat(Await.result(store.recover()).unfinished()).as("written on the third try").isEmpty();
  }

  @Test
  @DisplayName("K2: an append refused because another node took the shard is refused shard_moved (HTTP 503; a router"
    + " sends it again) and the shard hears it is fenced")
  void fencedAppendIsRefusedShardMoved() {
    Journal fencedStore = new ForwardingJournal(new MemoryJournal(100)) {
      @Override
      public Future<AppendResult> append(JournalEntry entry, long dedupSince) {
        return Future.failedFuture(new ShardFencedException(3, 7));
      }
    };
    PlainShard shard = new PlainShard(new JsonObject(), fencedStore);
    AtomicReference<ProcessResult> answer = shard.send("c", "hello");

    assertThat(answer.get().reason()).isEqualTo("shard_moved");
    assertThat(RejectReason.isUnavailable(answer.get().reason())).as("HTTP 503").isTrue();
    assertThat(RejectReason.isOwnerMoving(answer.get().reason())).isTrue();
    assertThat(shard.agentCalls).isEmpty();
    assertThat(shard.fenced).singleElement().satisfies(lost -> assertThat(lost.epoch()).isEqualTo(7));
  }

  @Test
  @DisplayName("K2: an outcome refused because the shard was fenced is not written again from this node (the new owner"
    + " runs the message from the journal); the shard hears it is fenced")
  void fencedOutcomeIsNotRetried() {
    AtomicInteger outcomeWrites = new AtomicInteger();
    Journal fencedStore = new ForwardingJournal(new MemoryJournal(100)) {
      @Override
      public Future<Void> recordOutcome(OutcomeRecord outcome) {
        outcomeWrites.incrementAndGet();
        return Future.failedFuture(new ShardFencedException(3, 7));
      }
    };
    PlainShard shard = new PlainShard(new JsonObject(), fencedStore);
    shard.send("c", "hello");
    shard.reply("c", "re:hello");
    shard.advance(JournalWrites.OUTCOME_RETRY_MS * 3);

    assertThat(outcomeWrites).hasValue(1);
    assertThat(shard.fenced).hasSize(1);
  }
}
