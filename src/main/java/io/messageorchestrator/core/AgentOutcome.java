package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

/**
 * Agent worker → shard: the reply, or the error that replaced it. {@code cancelled} marks an attempt the worker
 * interrupted (cancel): it carries no result. Sent with a local codec.
 */
public record AgentOutcome(String response, JsonObject metadata, String error, boolean cancelled) {

  /** A reply ({@code response} may be {@code null} or blank: the shard decides that is a failure). */
  public static AgentOutcome reply(String response, JsonObject metadata) {
    return new AgentOutcome(response, metadata, null, false);
  }

  public static AgentOutcome error(String error) {
    return new AgentOutcome(null, null, error, false);
  }

  public static AgentOutcome ofCancelled() {
    return new AgentOutcome(null, null, "cancelled", true);
  }
}
