package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** J6: failed and timed-out agent calls are retried with backoff, in order, and dead-lettered when used up. */
class RetryTest {
  private static JsonObject retries(int maxAttempts) {
    return new JsonObject().put("processingTimeout", 5_000).put("lockTimeout", 60_000)
      .put("retry", new JsonObject().put("maxAttempts", maxAttempts).put("initialBackoff", 1_000)
        .put("maxBackoff", 30_000));
  }

  @Test
  @DisplayName("a failed attempt is retried after its backoff, before the contact's later messages; the waiting caller hears queued, never the failure")
  void failedAttemptIsRetriedFirst() {
    PlainShard shard = new PlainShard(retries(3));
    AtomicReference<ProcessResult> first = shard.send("c", "one");
    shard.send("c", "two");
    shard.reply(shard.callOf("c"), AgentOutcome.error("agent down"));

    assertThat(first.get().status()).isEqualTo(ProcessResult.Status.QUEUED);
    JsonObject attempt = shard.events(Events.ATTEMPT_FAILED).get(0);
    assertThat(attempt.getInteger("attempt")).isEqualTo(1);
    assertThat(attempt.getString("reason")).isEqualTo("agent down");
    long backoff = attempt.getLong("nextAttemptAt") - shard.wallMillis.get();
    assertThat(backoff).isBetween(1L, 1_000L); // full jitter under the first cap
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).isEmpty(); // not an outcome
    assertThat(shard.agentCalls).hasSize(1); // "two" waits behind the retry (R2)

    shard.advance(backoff - 1);
    assertThat(shard.agentCalls).hasSize(1);
    shard.advance(1);
    shard.runContext();
    assertThat(shard.agentCalls).hasSize(2);
    Lease retry = shard.callOf("c");
    assertThat(retry.pending.message.text()).isEqualTo("one");
    assertThat(retry.pending.attempts).isEqualTo(2);
    shard.reply(retry, AgentOutcome.reply("re:one", null));
    shard.reply("c", "re:two");

    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("response"))
      .containsExactly("re:one", "re:two");
    assertThat(shard.events(Events.MESSAGE_PROCESSED).get(0).getInteger("attempts")).isEqualTo(2);
    assertThat(shard.events(Events.MESSAGE_DEAD_LETTERED)).isEmpty();
  }

  @Test
  @DisplayName("after retry.maxAttempts the message is dead-lettered: one final failed outcome with the fallback, an event and a counter")
  void lastAttemptDeadLetters() {
    PlainShard shard = new PlainShard(retries(2));
    shard.send("c", "doomed");
    shard.reply(shard.callOf("c"), AgentOutcome.error("boom 1"));
    shard.advance(1_000);
    shard.runContext();
    shard.reply(shard.callOf("c"), AgentOutcome.error("boom 2"));

    assertThat(shard.events(Events.ATTEMPT_FAILED)).hasSize(1);
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).singleElement().satisfies(event -> {
      assertThat(event.getString("outcome")).isEqualTo("failed");
      assertThat(event.getBoolean("fallback")).isTrue();
      assertThat(event.getInteger("attempts")).isEqualTo(2);
    });
    assertThat(shard.events(Events.MESSAGE_DEAD_LETTERED)).singleElement()
      .satisfies(event -> assertThat(event.getString("error")).isEqualTo("boom 2"));
    assertThat(shard.metrics.deadLetteredCount()).isEqualTo(1);
    assertThat(shard.metrics.attemptsFailed()).isEqualTo(1);
    assertThat(shard.limit.inUse()).isZero();
  }

  @Test
  @DisplayName("each timed-out attempt announces processingTimeout; the final one ends timed_out; a backoff holds no permit")
  void timeoutsAreAttempts() {
    PlainShard shard = new PlainShard(retries(2));
    shard.send("c", "slow");
    shard.advance(5_000);
    assertThat(shard.events(Events.PROCESSING_TIMEOUT)).hasSize(1);
    assertThat(shard.events(Events.ATTEMPT_FAILED)).hasSize(1);
    assertThat(shard.limit.inUse()).as("no permit held while backing off").isZero();
    shard.advance(1_000);
    shard.runContext();
    shard.advance(5_000);

    assertThat(shard.events(Events.PROCESSING_TIMEOUT)).hasSize(2);
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).singleElement()
      .satisfies(event -> assertThat(event.getString("outcome")).isEqualTo("timed_out"));
    assertThat(shard.events(Events.MESSAGE_DEAD_LETTERED)).hasSize(1);
  }

  @Test
  @DisplayName("J6b: an answer 'not attempted' (agent circuit open) uses no attempt: the message waits at the head of its lane and is called again after retryAfterMs")
  void notAttemptedUsesNoAttempt() {
    MemoryJournal journal = new MemoryJournal(100);
    PlainShard shard = new PlainShard(retries(1), journal); // one attempt: a used one would dead-letter it at once
    AtomicReference<ProcessResult> first = shard.send("c", "one");
    shard.send("c", "two");
    shard.reply(shard.callOf("c"), AgentOutcome.notAttempted("agent unavailable (circuit open)", 2_000));
    // The journal forgets the start too: restarts during an outage must not use attempts up (J5 dead-letters them).
    assertThat(Await.result(journal.recover()).unfinished()).extracting(JournalEntry::attempts).containsExactly(0, 0);

    assertThat(first.get().status()).isEqualTo(ProcessResult.Status.QUEUED);
    assertThat(shard.events(Events.ATTEMPT_FAILED)).isEmpty();
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).isEmpty();
    assertThat(shard.limit.inUse()).isZero();
    shard.advance(1_999);
    assertThat(shard.agentCalls).hasSize(1);
    shard.advance(1);
    shard.runContext();
    Lease again = shard.callOf("c");
    assertThat(again.pending.message.text()).isEqualTo("one");
    assertThat(again.pending.attempts).isEqualTo(1);
    shard.reply(again, AgentOutcome.reply("re:one", null));
    shard.reply("c", "re:two");
    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("response"))
      .containsExactly("re:one", "re:two");
  }

  @Test
  @DisplayName("a lane waiting for its retry is not 'stalled': the deadlock sweep leaves it alone")
  void sweepLeavesBackoffAlone() {
    PlainShard shard = new PlainShard(retries(3));
    shard.send("c", "one");
    shard.reply(shard.callOf("c"), AgentOutcome.error("down"));
    assertThat(shard.machine.operations().detectAndResolveDeadlocks()).isZero();
    assertThat(shard.agentCalls).hasSize(1);
  }
}
