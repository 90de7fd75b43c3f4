package io.messageorchestrator.agent;

import io.vertx.core.json.JsonObject;

/**
 * What the agent answers: the text to send back to the contact, optional metadata (the original's
 * {@code {success, response, metadata}}), and whether the agent asks for a human to take the conversation over.
 *
 * @param handoff the agent asks for a human (V3): the flag is published with the reply ({@code messageProcessed}'s
 *                {@code handoff}); the reply is still sent. Pausing the contact comes with human handoff.
 */
public record AgentReply(String response, JsonObject metadata, boolean handoff) {

  /** A reply without a handoff request. */
  public AgentReply(String response, JsonObject metadata) {
    this(response, metadata, false);
  }

  public static AgentReply of(String response) {
    return new AgentReply(response, null, false);
  }

  /**
   * The reply of a JSON answer {@code {response, metadata?, handoff?}} (the {@code http} and {@code eventbus}
   * agents'), or {@code null} when it has no {@code response} string. {@code handoff} counts only as JSON
   * {@code true}.
   */
  static AgentReply fromJson(JsonObject answer) {
    if (answer == null || !(answer.getValue("response") instanceof String text)) {
      return null;
    }
    return new AgentReply(text, answer.getValue("metadata") instanceof JsonObject metadata ? metadata : null,
      Boolean.TRUE.equals(answer.getValue("handoff")));
  }
}
