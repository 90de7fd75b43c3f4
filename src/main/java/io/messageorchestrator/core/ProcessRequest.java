package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * {@code processMessage} from Java code in this node: the same request as the event-bus JSON form, passed by
 * reference with a local codec (no JSON building, copying or parsing on the hop). Answered with a
 * {@link ProcessResult} record.
 *
 * @param account    the business number / instance the message came to (see {@link Accounts}); with
 *                   {@code contactId} the conversation's key
 * @param acceptOnly answer as soon as the message is accepted (see {@code OrchestratorClient#accept})
 * @param replayOf   the dead letter this message replays, or {@code null}
 * @param idempotencyKey for a message without a provider id: a key fixed at arrival, so that a retried delivery of
 *                   this same request (a forward that timed out and was sent again) is recognised as a duplicate;
 *                   {@code null} when the message has its provider id
 */
public record ProcessRequest(String account, String contactId, InboundMessage message, boolean acceptOnly,
                             String replayOf, String idempotencyKey) {

  public ProcessRequest(String account, String contactId, InboundMessage message, boolean acceptOnly,
                        String replayOf) {
    this(account, contactId, message, acceptOnly, replayOf, null);
  }

  /** A request whose account comes from the message's metadata ({@link Accounts#of}). */
  public ProcessRequest(String contactId, InboundMessage message, boolean acceptOnly) {
    this(Accounts.of(message), contactId, message, acceptOnly, null, null);
  }

  /** This request with an idempotency key if its message has no provider id (and it has no key yet). */
  public ProcessRequest withIdempotencyKey() {
    if (idempotencyKey != null || message == null || message.messageId() != null) {
      return this;
    }
    return new ProcessRequest(account, contactId, message, acceptOnly, replayOf, UUID.randomUUID().toString());
  }

  /**
   * The event-bus JSON form ({@code orchestrator.process}): how a request travels to a shard on another node of a
   * cluster, where a record passed by reference cannot go. Carries the idempotency key, so a retried forward is
   * recognised as the same delivery.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("account", account).put("contactId", contactId)
      .put("message", message.toJson()).put("acceptOnly", acceptOnly);
    if (replayOf != null) {
      json.put("replayOf", replayOf);
    }
    if (idempotencyKey != null) {
      json.put("idempotencyKey", idempotencyKey);
    }
    return json;
  }
}
