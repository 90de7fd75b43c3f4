package io.messageorchestrator.core;

import org.slf4j.Logger;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A WARN line that a flood cannot multiply: at most one line per {@code interval}, the others counted and reported as
 * {@code "(N similar suppressed)"} on the next line that is written. Safe to share between event loops (lock-free).
 *
 * <p>Pass a failure's message rather than the {@code Throwable}: the point is one line per event, not a stack trace.
 */
public final class RateLimitedLog {
  private final Logger logger;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  /** {@code nanoClock} reading from which the next line may be written. */
  private final AtomicLong nextAllowed;
  private final LongAdder suppressed = new LongAdder();

  public RateLimitedLog(Logger logger, Duration interval) {
    this(logger, interval, System::nanoTime);
  }

  /** @param nanoClock a monotonic clock in nanoseconds (tests inject their own) */
  public RateLimitedLog(Logger logger, Duration interval, LongSupplier nanoClock) {
    this.logger = logger;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
    this.nextAllowed = new AtomicLong(nanoClock.getAsLong());
  }

  /** Logs {@code format} (SLF4J {@code {}} placeholders) at WARN, unless a line was written less than an interval ago. */
  public void warn(String format, Object... args) {
    if (!logger.isWarnEnabled()) {
      return;
    }
    long now = nanoClock.getAsLong();
    long allowedFrom = nextAllowed.get();
    if (now - allowedFrom < 0 || !nextAllowed.compareAndSet(allowedFrom, now + intervalNanos)) {
      suppressed.increment();
      return;
    }
    long skipped = suppressed.sumThenReset();
    if (skipped == 0) {
      logger.warn(format, args);
    } else {
      Object[] withCount = Arrays.copyOf(args, args.length + 1);
      withCount[args.length] = skipped;
      logger.warn(format + " ({} similar suppressed)", withCount);
    }
  }
}
