package io.messageorchestrator.journal;

import java.util.List;

/**
 * What a journal holds that is not finished, read once at start.
 *
 * @param unfinished messages with no final outcome, in acceptance order ({@link JournalEntry#sequence}); an entry
 *                   whose {@code attempts} is above 0 had started an agent call that never finished
 * @param replies    replies recorded with their outcome but not delivered, in acceptance order of their messages
 * @param pauses     conversations paused for human handoff (V3), expired ones included (the shard resumes them)
 */
public record Recovery(List<JournalEntry> unfinished, List<PendingReply> replies, List<ContactPause> pauses) {

  /** Nothing paused. */
  public Recovery(List<JournalEntry> unfinished, List<PendingReply> replies) {
    this(unfinished, replies, List.of());
  }

  /** A reply still to deliver: the message it answers and its text. */
  public record PendingReply(long sequence, String processId, String account, String contactId, String reply,
                             String outcome) {
  }
}
