package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.RateLimitedLog;
import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.ContactPause;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.ShardFencedException;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * A shard's writes to the {@link Journal} after acceptance: started attempts and final outcomes (with the reply, the
 * outbox row). They are fire-and-forget — grouped by the journal, not waited for: after a crash an unrecorded start
 * only means the attempt counter is one lower, and an unrecorded outcome means the message runs once more
 * (at-least-once). A failed write is logged (rate-limited), never thrown at the shard.
 *
 * <p>Times on the journal's clock: epoch milliseconds for a durable journal (they outlive the process), the
 * shard's monotonic milliseconds for the memory journal (nothing outlives it, and a wall-clock jump must not move
 * its dedup window: R5).
 */
final class JournalWrites {
  private static final RateLimitedLog FAILURES = new RateLimitedLog(LoggerFactory.getLogger(JournalWrites.class),
    Duration.ofSeconds(10));

  /** An outcome the journal refused is written again this many times, this far apart (a journal hiccup). */
  static final int OUTCOME_TRIES = 20;
  static final long OUTCOME_RETRY_MS = 3_000;

  private final Journal journal;
  private final TimeSource time;
  private final Timers timers;
  /** Told when the journal refuses a write because the shard is no longer this node's (cluster mode). */
  private final Consumer<ShardFencedException> fenced;

  JournalWrites(Journal journal, TimeSource time, Timers timers, Consumer<ShardFencedException> fenced) {
    this.journal = journal;
    this.time = time;
    this.timers = timers;
    this.fenced = fenced;
  }

  /** Appends an accepted message (the one write a caller's answer waits for). */
  Future<AppendResult> append(JournalEntry entry, long dedupSince) {
    return journal.append(entry, dedupSince).onFailure(this::noticeFencing);
  }

  private void noticeFencing(Throwable failure) {
    if (failure instanceof ShardFencedException lost) {
      fenced.accept(lost);
    }
  }

  /** V4: reads a conversation's history on first use, for journals that do (PostgreSQL); else {@code null}. */
  ConversationHistory.Loader historyLoader() {
    return journal.historyOnDemand() ? journal::history : null;
  }

  boolean durable() {
    return journal.durable();
  }

  /** Now on the journal's clock. */
  long now() {
    return journal.durable() ? time.wallMillis() : time.monotonicMillis();
  }

  /** V3: the pause is written when it starts (not per message); a failure is logged and fails the future. */
  Future<Void> pause(ContactPause pause) {
    return journal.pause(pause).onFailure(failure -> FAILURES.warn("Journal: could not record the pause of contact"
      + " {}: {}; it holds until this process stops", ContactIds.mask(pause.contactId()), failure.getMessage()));
  }

  /** V3: the pause ended. A lost write means the conversation is paused again after a restart (until its expiry). */
  void resume(String account, String contactId) {
    journal.resume(account, contactId).onFailure(failure -> FAILURES.warn("Journal: could not record the resume of"
      + " contact {}: {}", ContactIds.mask(contactId), failure.getMessage()));
  }

  void started(Pending pending, long leaseToken) {
    journal.markStarted(pending.processId, pending.attempts, leaseToken, now())
      .onFailure(this::noticeFencing)
      .onFailure(failure -> FAILURES.warn("Journal: could not record the start of {} (contact {}): {}",
        pending.processId, ContactIds.mask(pending.contactId), failure.getMessage()));
  }

  /**
   * The message's final outcome. A refused write (disk full for a moment, database restarting) is tried again, up to
   * {@value #OUTCOME_TRIES} times {@value #OUTCOME_RETRY_MS} ms apart: a lost outcome leaves the message unfinished,
   * so the next start would run it — and reply — once more.
   *
   * @return for a {@linkplain Journal#fenced() fenced} journal, the write's commit (it fails when the write was
   *     refused for good — the message is then run again by the shard's next owner); otherwise already succeeded.
   *     May complete on the journal's thread.
   */
  Future<Void> outcome(Pending pending, Outcome outcome, String reply, String error) {
    Promise<Void> written = Promise.promise();
    write(new OutcomeRecord(pending.processId, outcome.label(), reply, error, now(), outcome == Outcome.DROPPED),
      pending, 1, written);
    // A single node's reply does not wait for the outcome (a crash in between re-runs the message: at-least-once).
    return journal.fenced() ? written.future() : Future.succeededFuture();
  }

  private void write(OutcomeRecord record, Pending pending, int attempt, Promise<Void> written) {
    journal.recordOutcome(record).onSuccess(written::tryComplete).onFailure(failure -> {
      if (failure instanceof ShardFencedException lost) {
        // Never again from this node: the shard's new owner runs the message from the journal (at-least-once).
        written.tryFail(lost);
        fenced.accept(lost);
      } else if (attempt < OUTCOME_TRIES) {
        timers.setTimer(OUTCOME_RETRY_MS, () -> write(record, pending, attempt + 1, written));
      } else {
        written.tryFail(failure);
        FAILURES.warn("Journal: could not record outcome {} of {} (contact {}) after {} tries: {}; it will run"
          + " again at the next start", record.outcome(), pending.processId, ContactIds.mask(pending.contactId),
          attempt, failure.getMessage());
      }
    });
  }
}
