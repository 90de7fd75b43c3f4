package io.messageorchestrator.agent;

import io.vertx.core.json.JsonObject;

/**
 * Agent worker → shard: the reply, or the error that replaced it. {@code cancelled} marks an attempt the worker
 * interrupted (deadline or cancel): it carries no result. {@code deadlineExceeded} marks an agent that gave up at
 * its deadline (e.g. its HTTP call timed out with {@code context.remaining()}): a timeout, not a failure. Sent with a
 * local codec.
 */
public record AgentOutcome(String response, JsonObject metadata, String error, boolean cancelled,
                           boolean deadlineExceeded) {

  public static AgentOutcome reply(AgentReply reply) {
    return new AgentOutcome(reply == null ? null : reply.response(), reply == null ? null : reply.metadata(), null,
      false, false);
  }

  public static AgentOutcome error(String error) {
    return new AgentOutcome(null, null, error, false, false);
  }

  public static AgentOutcome ofCancelled() {
    return new AgentOutcome(null, null, "cancelled", true, false);
  }

  public static AgentOutcome ofDeadlineExceeded(String error) {
    return new AgentOutcome(null, null, error, false, true);
  }
}
