package io.messageorchestrator.core;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A WARN line that cannot flood the log: at most one line per interval; the calls in between are only counted, and
 * the next line that is written says how many were left out ({@code "… (41 similar suppressed)"}). For failures an
 * attacker or a broken dependency can cause at any rate (agent failures and timeouts, 429 rejections). Thread-safe
 * and lock-free: callers on different event loops may share one.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  /** {@code nanoClock} time from which the next line may be written. */
  private final AtomicLong nextLineAt;
  private final AtomicLong suppressed = new AtomicLong();

  /**
   * @param intervalMillis the shortest time between two lines
   * @param nanoClock      monotonic nanoseconds ({@code System::nanoTime}; a fake clock in tests)
   */
  public RateLimitedLog(Logger log, long intervalMillis, LongSupplier nanoClock) {
    this.log = log;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    this.nanoClock = nanoClock;
    this.nextLineAt = new AtomicLong(nanoClock.getAsLong());
  }

  /** Logs at WARN (SLF4J {@code {}} placeholders; a last {@code Throwable} argument is logged as such) or counts. */
  public void warn(String format, Object... args) {
    if (!log.isWarnEnabled()) {
      return;
    }
    long now = nanoClock.getAsLong();
    long next = nextLineAt.get();
    if (now - next >= 0 && nextLineAt.compareAndSet(next, now + intervalNanos)) {
      long left = suppressed.getAndSet(0);
      log.warn(left == 0 ? format : format + " (" + left + " similar suppressed)", args);
    } else {
      suppressed.incrementAndGet();
    }
  }
}
