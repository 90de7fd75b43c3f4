package io.messageorchestrator.outbound;

/**
 * A provider's refusal of one attempt, as decided from its HTTP answer. Any other failure of a
 * {@link ReplySender} future (timeout, refused or reset connection) is a transport error and is retried.
 */
public final class DeliveryException extends RuntimeException {
  private final boolean retryable;
  private final int statusCode;
  private final long retryAfterMs;

  /**
   * @param statusCode   the provider's HTTP status, or 0 when the reply was refused before any request
   * @param retryAfterMs the provider's {@code Retry-After} in ms, or -1
   */
  public DeliveryException(String message, boolean retryable, int statusCode, long retryAfterMs) {
    super(message, null, false, false);
    this.retryable = retryable;
    this.statusCode = statusCode;
    this.retryAfterMs = retryAfterMs;
  }

  /** A reply that no attempt can deliver (e.g. it names no sender number). */
  public static DeliveryException permanent(String message) {
    return new DeliveryException(message, false, 0, -1);
  }

  public boolean retryable() {
    return retryable;
  }

  public int statusCode() {
    return statusCode;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }
}
