package io.messageorchestrator.core;

/**
 * {@code processMessage} from Java code in this node: the same request as the event-bus JSON form, passed by
 * reference with a local codec (no JSON building, copying or parsing on the hop). Answered with a
 * {@link ProcessResult} record.
 *
 * @param account    the business number / instance the message came to (see {@link Accounts}); with
 *                   {@code contactId} the conversation's key
 * @param acceptOnly answer as soon as the message is accepted (see {@code OrchestratorClient#accept})
 * @param replayOf   the dead letter this message replays, or {@code null}
 */
public record ProcessRequest(String account, String contactId, InboundMessage message, boolean acceptOnly,
                             String replayOf) {

  /** A request whose account comes from the message's metadata ({@link Accounts#of}). */
  public ProcessRequest(String contactId, InboundMessage message, boolean acceptOnly) {
    this(Accounts.of(message), contactId, message, acceptOnly, null);
  }
}
