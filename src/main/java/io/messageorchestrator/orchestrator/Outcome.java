package io.messageorchestrator.orchestrator;

/** The one terminal outcome of every accepted message (R9). */
public enum Outcome {
  PROCESSED("processed"),
  FAILED("failed"),
  TIMED_OUT("timed_out"),
  /** Older than {@code maxMessageAge} when its turn came: never given to the agent. */
  EXPIRED("expired"),
  DROPPED("dropped"),
  /** Only with the {@code memory} journal: a durable journal keeps the message for the next start. */
  DISCARDED_ON_SHUTDOWN("discarded_on_shutdown");

  private final String label;

  Outcome(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
