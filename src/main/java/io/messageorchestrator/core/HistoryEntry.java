package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

/**
 * V4: one earlier turn of a conversation as the agent sees it — what the contact wrote ({@link #USER}) or what this
 * service answered ({@link #ASSISTANT}).
 *
 * @param role {@code user} or {@code assistant}
 * @param text the message's text (a message without text is described by its type, {@code [image]}), or the reply
 * @param time epoch ms: when the message was accepted, or when the reply was recorded
 */
public record HistoryEntry(String role, String text, long time) {
  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";

  /** {@code {role, text, time}}, as the {@code http} and {@code eventbus} agents send it. */
  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("text", text).put("time", time);
  }

  /** The text of a user's message for the history: its text, else its type in brackets. */
  public static String userText(String text, String type) {
    return text != null && !text.isBlank() ? text : "[" + (type == null || type.isBlank() ? "message" : type) + "]";
  }
}
