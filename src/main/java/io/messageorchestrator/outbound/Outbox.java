package io.messageorchestrator.outbound;

import java.util.ArrayDeque;

/**
 * One conversation's replies in the order they are to leave, owned by {@link OutboundVerticle} (on its context);
 * the head is the one being attempted or waiting to retry.
 */
final class Outbox {
  /** The conversation's key (account, contact). */
  final String key;
  final ArrayDeque<Delivery> queue = new ArrayDeque<>();
  /** In the ready line, in flight or waiting to retry: at most one of those at a time. */
  boolean scheduled;
  long retryTimer = -1;

  Outbox(String key) {
    this.key = key;
  }

  /** One reply and its attempts so far. */
  static final class Delivery {
    final OutboundReply reply;
    final long acceptedAtNanos;
    int attempts;
    /** When attempt 1 started: {@code outbound.retryFor} counts from here. */
    long firstAttemptNanos;

    Delivery(OutboundReply reply, long acceptedAtNanos) {
      this.reply = reply;
      this.acceptedAtNanos = acceptedAtNanos;
    }
  }
}
