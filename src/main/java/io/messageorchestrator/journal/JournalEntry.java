package io.messageorchestrator.journal;

import io.vertx.core.json.JsonObject;

/**
 * One accepted message as the journal keeps it. Times are epoch milliseconds (persisted times never use the
 * monotonic clock).
 *
 * @param sequence     acceptance order across the whole journal (assigned by the store; 0 before it is appended)
 * @param processId    fixed at acceptance; survives retries and recovery
 * @param account      the business number / instance the message came to ({@code default} when none is given)
 * @param contactId    the contact; (account, contactId) is the conversation's key
 * @param dedupKey     the provider's message id, or the idempotency key given at arrival; {@code null}: no key
 * @param message      the message as {@link io.messageorchestrator.core.InboundMessage#toJson()}: text, type,
 *                     timestamp (the provider's, epoch ms), messageId, metadata
 * @param acceptedAt   when it was accepted (epoch ms)
 * @param attempts     agent calls started so far (0 when appended; recovery reports the recorded count)
 * @param replayOf     the dead letter this message replays, or {@code null}
 */
public record JournalEntry(long sequence, String processId, String account, String contactId, String dedupKey,
                           JsonObject message, long acceptedAt, int attempts, String replayOf) {

  /**
   * The format of the rows this build writes (the layout of {@code message} and of the row around it), stored with
   * each message ({@code format} column). In a PostgreSQL journal shared by nodes of two versions during a rolling
   * upgrade (K4), a row may be written by either: a row written by a node that did not name the column is format 1
   * (the column's default, which therefore stays 1 for good). Same rule as the event bus's
   * {@link io.messageorchestrator.core.WireFormat}: a newer format only adds optional fields, and a reader reads a row
   * of any format by the fields it knows.
   */
  public static final int FORMAT = 1;

  public JournalEntry withSequence(long assigned) {
    return new JournalEntry(assigned, processId, account, contactId, dedupKey, message, acceptedAt, attempts,
      replayOf);
  }

  public JournalEntry withAttempts(int recorded) {
    return new JournalEntry(sequence, processId, account, contactId, dedupKey, message, acceptedAt, recorded,
      replayOf);
  }
}
