package io.messageorchestrator.core;

/** Why a message was refused before it was accepted. A refused message may be retried. */
public enum RejectReason {
  /** The contact already has {@code maxQueueSize} messages waiting (overflow policy {@code reject}). */
  QUEUE_FULL("queue_full"),
  /**
   * The shard holds {@code maxTotalQueued} waiting messages across all contacts, or a new contact finds
   * {@code maxContacts} contacts remembered and none of them idle.
   */
  OVERLOADED("overloaded"),
  /** A graceful shutdown is under way. */
  SHUTTING_DOWN("shutting_down"),
  /** The journal could not record the message (disk full, database down): nothing was accepted. */
  JOURNAL_UNAVAILABLE("journal_unavailable"),
  /** V3: the conversation is paused and already holds {@code handoff.maxHeld} messages. */
  HELD_FULL("held_full");

  private final String label;

  RejectReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Whether a refusal with this label is the service's state (HTTP 503) rather than a caller's excess (429). */
  public static boolean isUnavailable(String label) {
    return SHUTTING_DOWN.label.equals(label) || JOURNAL_UNAVAILABLE.label.equals(label);
  }
}
