package io.messageorchestrator.core;

/**
 * Where an agent worker hands the result of an {@link AgentTask}: called once per task, from the call's own virtual
 * thread (or the worker's context if the call could not start), so implementations must be thread-safe.
 */
@FunctionalInterface
public interface AgentResultSink {
  void deliver(AgentResult result);
}
