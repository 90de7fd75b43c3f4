package io.messageorchestrator.agent;

/**
 * The agent could not be reached or said it cannot answer now (connection refused or reset, HTTP 429, 502, 503,
 * 504): not a problem of this message. Failures of this kind in a row open the agent circuit ({@link AgentCircuit}),
 * so queued messages wait instead of burning their attempts. An {@link AgentProcessor} of your own throws it for
 * the same situations; any other exception is an ordinary failure of the message and never opens the circuit.
 */
public class AgentUnavailableException extends Exception {
  public AgentUnavailableException(String message) {
    super(message);
  }

  public AgentUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
