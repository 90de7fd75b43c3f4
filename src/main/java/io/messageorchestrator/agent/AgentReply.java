package io.messageorchestrator.agent;

import io.vertx.core.json.JsonObject;

/**
 * What the agent answers: the text to send back to the contact and optional metadata (the original's
 * {@code {success, response, metadata}}).
 */
public record AgentReply(String response, JsonObject metadata) {

  public static AgentReply of(String response) {
    return new AgentReply(response, null);
  }
}
