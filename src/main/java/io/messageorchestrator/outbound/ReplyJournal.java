package io.messageorchestrator.outbound;

import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.RateLimitedLog;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.ReplyState;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The outbox marks of reply delivery (J4): a reply accepted by the provider is {@link ReplyState#DELIVERED}, one
 * given up is {@link ReplyState#FAILED} (a reply dead letter). Fire-and-forget like the shard's journal writes: a
 * lost mark only means the reply is delivered once more after a crash (the one window the README states). No
 * journal ({@code null}): nothing is marked.
 *
 * <p>Times on the journal's clock: epoch ms for a durable journal (persisted), monotonic ms for the memory journal,
 * like the shards' writes.
 */
final class ReplyJournal {
  private static final RateLimitedLog FAILURES = new RateLimitedLog(LoggerFactory.getLogger(ReplyJournal.class),
    Duration.ofSeconds(10));

  private final Journal journal;

  ReplyJournal(Journal journal) {
    this.journal = journal;
  }

  void delivered(OutboundReply reply) {
    mark(reply, ReplyState.DELIVERED);
  }

  void failed(String processId, String contactId) {
    mark(processId, contactId, ReplyState.FAILED);
  }

  private void mark(OutboundReply reply, ReplyState state) {
    mark(reply.processId(), reply.contactId(), state);
  }

  private void mark(String processId, String contactId, ReplyState state) {
    if (journal == null || processId == null) {
      return;
    }
    long now = journal.durable() ? System.currentTimeMillis() : System.nanoTime() / 1_000_000;
    journal.markReply(processId, state, now)
      .onFailure(failure -> FAILURES.warn("Journal: could not mark the reply of {} (contact {}) {}: {}", processId,
        ContactIds.mask(String.valueOf(contactId)), state.label(), failure.getMessage()));
  }
}
