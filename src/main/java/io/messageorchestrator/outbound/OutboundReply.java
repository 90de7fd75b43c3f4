package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.journal.Recovery;
import io.vertx.core.json.JsonObject;

/**
 * One reply to deliver, taken from a {@code messageProcessed} event, a journal's undelivered reply or a resend
 * request.
 *
 * @param messageId the contact's message this replies to; may be {@code null}
 * @param outcome   {@code processed}, {@code failed} or {@code timed_out}; may be {@code null}
 * @param fallback  whether {@code response} is the configured fallback rather than the agent's answer
 * @param metadata  the processed message's provider metadata ({@code phone_number_id}, {@code instance}, ...);
 *                  never {@code null}, treated as read-only
 * @param account   the business number / instance the conversation is with ({@link Accounts#DEFAULT} if none):
 *                  with {@code contactId}, the conversation whose replies leave in order
 */
public record OutboundReply(String contactId, String processId, String messageId, String outcome, String response,
                            boolean fallback, JsonObject metadata, String account) {

  /** A reply of the default account. */
  public OutboundReply(String contactId, String processId, String messageId, String outcome, String response,
                       boolean fallback, JsonObject metadata) {
    this(contactId, processId, messageId, outcome, response, fallback, metadata, Accounts.DEFAULT);
  }

  /** Parses a {@code messageProcessed} event; throws {@link IllegalArgumentException} naming a missing field. */
  public static OutboundReply fromEvent(JsonObject event) {
    if (event == null) {
      throw new IllegalArgumentException("the event has no body");
    }
    String contactId = requireString(event, "messageProcessed event", "contactId");
    String processId = requireString(event, "messageProcessed event", "processId");
    String response = requireString(event, "messageProcessed event", "response");
    JsonObject message = event.getValue("message") instanceof JsonObject json ? json : new JsonObject();
    Object messageId = event.getValue("messageId", message.getValue("messageId"));
    JsonObject metadata = message.getValue("metadata") instanceof JsonObject json ? json : new JsonObject();
    return new OutboundReply(contactId, processId, messageId == null ? null : messageId.toString(),
      event.getValue("outcome") instanceof String outcome ? outcome : null, response,
      Boolean.TRUE.equals(event.getValue("fallback")), metadata, account(event.getValue("account")));
  }

  /**
   * A reply the journal recorded but did not see delivered (J5). The journal keeps no provider metadata: the
   * conversation's account is the sender the configured channel reads ({@code phone_number_id} for the Cloud API,
   * {@code instance} for Evolution), as the account was taken from that field at arrival.
   */
  public static OutboundReply recovered(Recovery.PendingReply pending, OutboundSettings.Type type) {
    JsonObject metadata = new JsonObject();
    if (!Accounts.DEFAULT.equals(pending.account())) {
      switch (type) {
        case WHATSAPP_CLOUD -> metadata.put(WhatsAppCloudReplySender.PHONE_NUMBER_ID, pending.account());
        case EVOLUTION -> metadata.put(EvolutionReplySender.INSTANCE, pending.account());
        default -> { }
      }
    }
    return new OutboundReply(pending.contactId(), pending.processId(), null, pending.outcome(), pending.reply(),
      false, metadata, account(pending.account()));
  }

  /**
   * A resend request {@code {processId, contactId, account?, response, metadata?}}; throws
   * {@link IllegalArgumentException} naming the field that is missing or wrong. Never skipped as a fallback: it was
   * asked for.
   */
  public static OutboundReply fromResend(JsonObject request) {
    if (request == null) {
      throw new IllegalArgumentException("the request has no body");
    }
    String processId = requireString(request, "resend request", "processId");
    String contactId = requireString(request, "resend request", "contactId");
    String response = requireString(request, "resend request", "response");
    Object metadata = request.getValue("metadata");
    if (metadata != null && !(metadata instanceof JsonObject)) {
      throw new IllegalArgumentException("resend request's 'metadata' must be an object");
    }
    String account;
    try {
      account = Accounts.require(request.getValue("account"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("resend request's 'account' must be a string of at most 128 characters");
    }
    return new OutboundReply(contactId, processId, null, null, response, false,
      metadata == null ? new JsonObject() : (JsonObject) metadata, account);
  }

  /** A string of the message's metadata, or {@code null} when it is absent or blank. */
  public String metadataString(String key) {
    Object value = metadata.getValue(key);
    if (value instanceof String || value instanceof Number) {
      String text = value.toString();
      return text.isBlank() ? null : text;
    }
    return null;
  }

  /** The key of the conversation whose replies leave in order. */
  String conversationKey() {
    return Accounts.conversationKey(account, contactId);
  }

  private static String account(Object value) {
    return value instanceof String text && !text.isBlank() ? text : Accounts.DEFAULT;
  }

  private static String requireString(JsonObject json, String what, String field) {
    if (!(json.getValue(field) instanceof String value) || value.isBlank()) {
      throw new IllegalArgumentException(what + " has no '" + field + "' string");
    }
    return value;
  }
}
