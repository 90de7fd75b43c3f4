package io.messageorchestrator.outbound;

import io.vertx.core.json.JsonObject;

/**
 * One reply to deliver, taken from a {@code messageProcessed} event.
 *
 * @param messageId the contact's message this replies to; may be {@code null}
 * @param outcome   {@code processed}, {@code failed} or {@code timed_out}
 * @param fallback  whether {@code response} is the configured fallback rather than the agent's answer
 * @param metadata  the processed message's provider metadata ({@code phone_number_id}, {@code instance}, ...);
 *                  never {@code null}, treated as read-only
 */
public record OutboundReply(String contactId, String processId, String messageId, String outcome, String response,
                            boolean fallback, JsonObject metadata) {

  /** Parses a {@code messageProcessed} event; throws {@link IllegalArgumentException} naming a missing field. */
  public static OutboundReply fromEvent(JsonObject event) {
    if (event == null) {
      throw new IllegalArgumentException("the event has no body");
    }
    String contactId = requireString(event, "contactId");
    String processId = requireString(event, "processId");
    String response = requireString(event, "response");
    JsonObject message = event.getValue("message") instanceof JsonObject json ? json : new JsonObject();
    Object messageId = event.getValue("messageId", message.getValue("messageId"));
    JsonObject metadata = message.getValue("metadata") instanceof JsonObject json ? json : new JsonObject();
    return new OutboundReply(contactId, processId, messageId == null ? null : messageId.toString(),
      event.getValue("outcome") instanceof String outcome ? outcome : null, response,
      Boolean.TRUE.equals(event.getValue("fallback")), metadata);
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

  private static String requireString(JsonObject event, String field) {
    if (!(event.getValue(field) instanceof String value) || value.isBlank()) {
      throw new IllegalArgumentException("messageProcessed event has no '" + field + "' string");
    }
    return value;
  }
}
