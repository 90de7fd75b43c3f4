package io.messageorchestrator.support;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A monotonic clock that moves only when the test moves it: lease ages, idle times and dedup windows (what
 * {@code OrchestratorSuite.Options.withClock} governs; timers keep real time). Thread-safe.
 */
public final class ManualClock implements LongSupplier {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Override
  public long getAsLong() {
    return now.get();
  }

  /** Moves the clock forward by {@code millis}. */
  public void advance(long millis) {
    now.addAndGet(millis);
  }
}
