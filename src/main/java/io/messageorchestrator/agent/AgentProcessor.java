package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;

/**
 * The AI agent (or any logic) that answers a contact's message. Called on its own virtual thread, so it may block
 * (HTTP calls, database, sleeps). It is called for at most one message per contact at a time, in order.
 *
 * <p>Contract: return a non-empty reply, or throw. A {@code null}/blank reply or an exception makes the outcome
 * {@code failed} and the contact receives the configured fallback text. When {@link ProcessingContext#deadline()}
 * passes the thread is interrupted; whatever it returns afterwards is discarded and never delivered.
 *
 * <p>A custom implementation is selected with {@code processor.type=class} and {@code processor.class}; it needs a
 * public no-argument constructor or a constructor taking {@code (io.vertx.core.Vertx, OrchestratorConfig)}.
 */
@FunctionalInterface
public interface AgentProcessor {

  AgentReply process(InboundMessage message, ProcessingContext context) throws Exception;

  /** Releases resources when the worker stops. */
  default void close() {
  }
}
