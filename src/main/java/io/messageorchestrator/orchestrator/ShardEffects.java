package io.messageorchestrator.orchestrator;

import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.json.JsonObject;

/**
 * What the shard's {@link ContactStateMachine} asks of the outside world. {@link ShardVerticle} implements it with
 * the event bus and Vert.x timers; tests implement it with lists. Every call happens on the shard's context.
 */
interface ShardEffects extends Timers {
  /** Publishes an event (payloads come from {@link OrchestratorEvents}). */
  void publish(String event, JsonObject payload);

  /** Hands the lease's message to the agent workers; the result comes back through {@link ContactStateMachine#onAgentResult}. */
  void startAgentCall(Lease lease);

  /** Interrupts the agent call of an ended lease (timeout, unlock, stale sweep, shutdown). */
  void cancelAgentCall(String processId);
}
