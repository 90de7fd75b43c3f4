package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

/**
 * Agent worker → shard: the reply, or the error that replaced it. {@code cancelled} marks an attempt the worker
 * interrupted (cancel): it carries no result. {@code retryAfterMs} above 0 marks a task the worker did <b>not</b>
 * attempt because the agent is known to be unavailable (its circuit is open): the message should wait that long and
 * be sent again, without counting an attempt; 0 means a real attempt. {@code retryable} false marks an error no
 * further attempt can fix (the message fails at once). {@code handoff}: the agent asked for a human. Sent with a
 * local codec.
 */
public record AgentOutcome(String response, JsonObject metadata, String error, boolean cancelled, long retryAfterMs,
                           boolean retryable, boolean handoff) {

  /** An attempted call's outcome ({@code retryAfterMs} 0). */
  public AgentOutcome(String response, JsonObject metadata, String error, boolean cancelled) {
    this(response, metadata, error, cancelled, 0);
  }

  public AgentOutcome(String response, JsonObject metadata, String error, boolean cancelled, long retryAfterMs) {
    this(response, metadata, error, cancelled, retryAfterMs, true, false);
  }

  /** A reply ({@code response} may be {@code null} or blank: the shard decides that is a failure). */
  public static AgentOutcome reply(String response, JsonObject metadata) {
    return new AgentOutcome(response, metadata, null, false);
  }

  /** A reply with the agent's handoff request ({@code handoff}: a human should take the conversation over). */
  public static AgentOutcome reply(String response, JsonObject metadata, boolean handoff) {
    return new AgentOutcome(response, metadata, null, false, 0, true, handoff);
  }

  public static AgentOutcome error(String error) {
    return new AgentOutcome(null, null, error, false);
  }

  /** An error no further attempt can fix: the message fails without using its remaining attempts. */
  public static AgentOutcome nonRetryableError(String error) {
    return new AgentOutcome(null, null, error, false, 0, false, false);
  }

  public static AgentOutcome ofCancelled() {
    return new AgentOutcome(null, null, "cancelled", true);
  }

  /**
   * The agent was not called: try again in {@code retryAfterMs} (at least 1). {@code reason} (also in
   * {@link #error()}) says why, e.g. the agent circuit is open.
   */
  public static AgentOutcome notAttempted(String reason, long retryAfterMs) {
    return new AgentOutcome(null, null, reason, false, Math.max(1, retryAfterMs));
  }

  /** Whether the agent was not called at all (see {@link #notAttempted(String, long)}). */
  public boolean notAttempted() {
    return retryAfterMs > 0;
  }
}
