package io.messageorchestrator.core;

import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with full jitter: the wait after failed attempt {@code n} is uniform in
 * {@code [1, min(maxBackoff, initialBackoff * 2^(n-1))]}, so retries of many contacts hitting one outage spread out
 * instead of arriving together. A provider's {@code Retry-After} raises the wait, still capped by {@code maxBackoff}.
 * Used for reply delivery ({@code outbound.*Backoff}) and agent-call retries ({@code retry.*Backoff}).
 */
public final class Backoff {
  private final long initial;
  private final long max;
  /** Given a bound, a uniform value in {@code [0, bound)}. */
  private final LongUnaryOperator random;

  public Backoff(long initial, long max, LongUnaryOperator random) {
    this.initial = initial;
    this.max = max;
    this.random = random;
  }

  /** The ceiling for the wait after failed attempt {@code attempt} (1-based). */
  public long ceiling(int attempt) {
    int doublings = Math.min(Math.max(attempt - 1, 0), 40);
    long ceiling = initial > (Long.MAX_VALUE >> doublings) ? Long.MAX_VALUE : initial << doublings;
    return Math.max(1, Math.min(max, ceiling));
  }

  /** The wait in ms after failed attempt {@code attempt}; {@code retryAfterMs} below 0 means none was given. */
  public long delay(int attempt, long retryAfterMs) {
    long ceiling = ceiling(attempt);
    long jittered = 1 + random.applyAsLong(ceiling);
    return Math.min(max, Math.max(jittered, retryAfterMs));
  }
}
