package io.messageorchestrator.agent;

import io.vertx.core.json.JsonObject;

/**
 * Agent worker → shard: the reply, or the error that replaced it. {@code cancelled} marks an attempt the worker
 * interrupted (cancel): it carries no result. Sent with a local codec.
 */
public record AgentOutcome(String response, JsonObject metadata, String error, boolean cancelled) {

  public static AgentOutcome reply(AgentReply reply) {
    return new AgentOutcome(reply == null ? null : reply.response(), reply == null ? null : reply.metadata(), null,
      false);
  }

  public static AgentOutcome error(String error) {
    return new AgentOutcome(null, null, error, false);
  }

  public static AgentOutcome ofCancelled() {
    return new AgentOutcome(null, null, "cancelled", true);
  }
}
