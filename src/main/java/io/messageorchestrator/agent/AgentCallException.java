package io.messageorchestrator.agent;

/** A remote agent answered, but not with a usable reply. */
public final class AgentCallException extends Exception {
  public AgentCallException(String message) {
    super(message);
  }
}
