package io.messageorchestrator.journal;

/**
 * A message's final outcome, written in one transaction with its reply (the outbox row).
 *
 * @param processId      the message
 * @param outcome        a final outcome label: {@code processed}, {@code failed}, {@code timed_out} (both
 *                       dead-lettered), {@code expired}, {@code dropped}, {@code discarded_on_shutdown},
 *                       {@code handled_by_human}, {@code answered_with_last} (held while paused, V3)
 * @param reply          the text to deliver to the contact (the agent's reply or the fallback); {@code null}: no
 *                       reply, the message's reply state is {@link ReplyState#NONE}, else {@link ReplyState#PENDING}
 * @param error          why it failed, or {@code null}
 * @param finishedAt     epoch ms
 * @param forgetDedupKey delete the message's dedup key in the same transaction ({@code dropOldest}: the provider's
 *                       redelivery must be processed)
 */
public record OutcomeRecord(String processId, String outcome, String reply, String error, long finishedAt,
                            boolean forgetDedupKey) {

  /** Outcomes that dead-letter the message (retries used up): listed by {@link Journal#deadLetters}. */
  public boolean deadLettered() {
    return "failed".equals(outcome) || "timed_out".equals(outcome);
  }
}
