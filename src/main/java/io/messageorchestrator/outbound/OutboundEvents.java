package io.messageorchestrator.outbound;

import io.messageorchestrator.core.Events;
import java.util.List;

/**
 * Events of reply delivery, published on {@code orchestrator.events.<name>} like the orchestrator's own. Every
 * {@code messageProcessed} event ends in exactly one of them (a shard publishes each {@code processId} once, locally:
 * R9).
 */
public final class OutboundEvents {
  /**
   * {@code {contactId, processId, attempts, latencyMs, providerMessageId?}}: the provider accepted the reply (HTTP
   * 2xx); {@code providerMessageId} when its answer named the sent message.
   */
  public static final String REPLY_DELIVERED = "replyDelivered";
  /** {@code {contactId, processId, attempts, reason, error}}: the reply was given up; {@code reason} is one below. */
  public static final String REPLY_FAILED = "replyFailed";
  /** {@code {contactId, processId, reason: "fallback"}}: a fallback reply not sent because sendFallbacks is false. */
  public static final String REPLY_SKIPPED = "replySkipped";

  public static final List<String> ALL = List.of(REPLY_DELIVERED, REPLY_FAILED, REPLY_SKIPPED);

  /** The provider refused the reply with a non-retryable answer (a 4xx other than 408/429), or it cannot be sent. */
  public static final String REASON_REJECTED = "rejected";
  /** Every one of {@code outbound.maxAttempts} attempts failed with a retryable error. */
  public static final String REASON_EXHAUSTED = "exhausted";
  /** {@code outbound.maxPending} replies were already waiting. */
  public static final String REASON_OVERLOADED = "overloaded";
  /** The shutdown grace period ended before the reply left. */
  public static final String REASON_SHUTTING_DOWN = "shutting_down";
  /** The {@code messageProcessed} event lacked a field delivery needs. */
  public static final String REASON_INVALID = "invalid";
  /** Why a reply was skipped: it was a fallback and {@code outbound.sendFallbacks} is false. */
  public static final String REASON_FALLBACK = "fallback";

  private OutboundEvents() {
  }
}
