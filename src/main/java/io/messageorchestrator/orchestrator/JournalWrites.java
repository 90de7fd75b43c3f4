package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.RateLimitedLog;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import org.slf4j.LoggerFactory;

import java.time.Duration;

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

  private final Journal journal;
  private final TimeSource time;

  JournalWrites(Journal journal, TimeSource time) {
    this.journal = journal;
    this.time = time;
  }

  Journal journal() {
    return journal;
  }

  boolean durable() {
    return journal.durable();
  }

  /** Now on the journal's clock. */
  long now() {
    return journal.durable() ? time.wallMillis() : time.monotonicMillis();
  }

  void started(Pending pending, long leaseToken) {
    journal.markStarted(pending.processId, pending.attempts, leaseToken, now())
      .onFailure(failure -> FAILURES.warn("Journal: could not record the start of {} (contact {}): {}",
        pending.processId, ContactIds.mask(pending.contactId), failure.getMessage()));
  }

  void outcome(Pending pending, Outcome outcome, String reply, String error) {
    journal.recordOutcome(new OutcomeRecord(pending.processId, outcome.label(), reply, error, now(),
        outcome == Outcome.DROPPED))
      .onFailure(failure -> FAILURES.warn("Journal: could not record outcome {} of {} (contact {}): {}",
        outcome.label(), pending.processId, ContactIds.mask(pending.contactId), failure.getMessage()));
  }
}
