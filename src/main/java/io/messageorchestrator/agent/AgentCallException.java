package io.messageorchestrator.agent;

/**
 * A remote agent answered, but not with a usable reply. Retryable by default (the message's next attempt follows
 * the retry policy, {@code retry.*}); a {@linkplain #nonRetryable non-retryable} one ends the message at once — failed,
 * a dead letter — because another attempt would get the same answer (e.g. a refused API key, an unknown model).
 */
public final class AgentCallException extends Exception {
  private final boolean retryable;

  public AgentCallException(String message) {
    this(message, true);
  }

  private AgentCallException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  /** A failure no further attempt can fix: the message's remaining attempts are not used. */
  public static AgentCallException nonRetryable(String message) {
    return new AgentCallException(message, false);
  }

  public boolean retryable() {
    return retryable;
  }
}
