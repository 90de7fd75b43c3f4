package io.messageorchestrator.journal;

/** The outbox state of a message's reply. */
public enum ReplyState {
  /** No reply to send (dropped, expired, discarded, or a fallback that is not sent). */
  NONE,
  /** Recorded with the outcome, not yet accepted by the provider: delivered again after a crash. */
  PENDING,
  DELIVERED,
  /** Given up ({@code outbound.retryFor} passed or refused for good): a reply dead letter. */
  FAILED;

  public String label() {
    return name().toLowerCase();
  }

  public static ReplyState of(String label) {
    return valueOf(label.toUpperCase());
  }
}
