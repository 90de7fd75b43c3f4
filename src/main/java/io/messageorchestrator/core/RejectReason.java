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
  /**
   * Cluster mode: the shard's journal refused the append because another node took the shard (its ownership epoch is
   * newer). Nothing was accepted; a router sends the message again, to the new owner.
   */
  SHARD_MOVED("shard_moved"),
  /** V3: the conversation is paused and already holds {@code handoff.maxHeld} messages. */
  HELD_FULL("held_full"),
  /** V5b: the conversation sent {@code contact.rateLimit} messages this minute already; nothing was accepted. */
  RATE_LIMITED("rate_limited");

  private final String label;

  RejectReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Whether a refusal with this label is the service's state (HTTP 503) rather than a caller's excess (429). */
  public static boolean isUnavailable(String label) {
    return SHUTTING_DOWN.label.equals(label) || JOURNAL_UNAVAILABLE.label.equals(label)
      || SHARD_MOVED.label.equals(label);
  }

  /**
   * Whether a refusal only says the shard is changing hands (a hand-off drains it, or it was fenced): in a cluster the
   * request may be sent again, and reaches the next owner.
   */
  public static boolean isOwnerMoving(String label) {
    return SHUTTING_DOWN.label.equals(label) || SHARD_MOVED.label.equals(label);
  }
}
