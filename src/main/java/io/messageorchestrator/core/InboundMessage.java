package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

/**
 * A message from a contact, as the original's recommended structure: {@code text}, {@code messageId},
 * {@code type}, {@code timestamp}, {@code metadata}. Immutable.
 *
 * @param messageId the provider's id, used to suppress duplicate deliveries; may be {@code null}
 * @param metadata  provider payload details (may be {@code null}); treated as read-only
 */
public record InboundMessage(String text, String messageId, String type, long timestamp, JsonObject metadata) {

  public InboundMessage {
    if (text == null) {
      throw new InvalidRequestException("message.text", "message.text is required");
    }
    if (text.indexOf('\u0000') >= 0) {
      throw new InvalidRequestException("message.text", "message.text must not contain NUL characters");
    }
    if (type == null || type.isBlank()) {
      type = "text";
    }
  }

  public static InboundMessage text(String text) {
    return new InboundMessage(text, null, "text", System.currentTimeMillis(), null);
  }

  public static InboundMessage text(String text, String messageId) {
    return new InboundMessage(text, messageId, "text", System.currentTimeMillis(), null);
  }

  /** Parses the event-bus form; throws {@link InvalidRequestException} naming the bad field. */
  public static InboundMessage fromJson(Object value) {
    if (!(value instanceof JsonObject json)) {
      throw new InvalidRequestException("message", "message must be an object with a 'text' field");
    }
    Object text = json.getValue("text");
    if (!(text instanceof String textValue)) {
      throw new InvalidRequestException("message.text", text == null
        ? "message.text is required" : "message.text must be a string");
    }
    Object messageId = json.getValue("messageId");
    if (messageId != null && !(messageId instanceof String) && !(messageId instanceof Number)) {
      throw new InvalidRequestException("message.messageId", "message.messageId must be a string");
    }
    Object type = json.getValue("type");
    if (type != null && !(type instanceof String)) {
      throw new InvalidRequestException("message.type", "message.type must be a string");
    }
    Object timestamp = json.getValue("timestamp");
    if (timestamp != null && !(timestamp instanceof Number)) {
      throw new InvalidRequestException("message.timestamp", "message.timestamp must be a number (epoch ms)");
    }
    Object metadata = json.getValue("metadata");
    if (metadata != null && !(metadata instanceof JsonObject)) {
      throw new InvalidRequestException("message.metadata", "message.metadata must be an object");
    }
    return new InboundMessage(textValue, messageId == null ? null : messageId.toString(), (String) type,
      timestamp == null ? System.currentTimeMillis() : ((Number) timestamp).longValue(), (JsonObject) metadata);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("text", text).put("type", type).put("timestamp", timestamp);
    if (messageId != null) {
      json.put("messageId", messageId);
    }
    if (metadata != null) {
      json.put("metadata", metadata);
    }
    return json;
  }
}
