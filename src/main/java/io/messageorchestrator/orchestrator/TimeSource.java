package io.messageorchestrator.orchestrator;

import java.util.function.LongSupplier;

/**
 * The clocks a shard reads, injectable so tests can move time without waiting.
 * <ul>
 *   <li>{@link #monotonicMillis()} measures every duration: lease ages, queue waits, dedup windows, idle eviction.
 *   It never jumps with the wall clock (VM resume, NTP step).</li>
 *   <li>{@link #timerNanos()} measures the lease deadlines; timers run in real time, so it is {@link System#nanoTime()}
 *   even when a test moves {@link #monotonicMillis()} by hand.</li>
 *   <li>{@link #wallMillis()} is only for timestamps shown to people (the events' {@code timestamp} fields).</li>
 * </ul>
 */
public interface TimeSource {
  long monotonicMillis();

  long timerNanos();

  long wallMillis();

  /**
   * Durations on {@code monotonicMillis} ({@code System.nanoTime() / 1_000_000} by default, see
   * {@code OrchestratorSuite.Options}; a test's hand-moved clock); real timers and timestamps.
   */
  static TimeSource of(LongSupplier monotonicMillis) {
    return new TimeSource() {
      @Override
      public long monotonicMillis() {
        return monotonicMillis.getAsLong();
      }

      @Override
      public long timerNanos() {
        return System.nanoTime();
      }

      @Override
      public long wallMillis() {
        return System.currentTimeMillis();
      }
    };
  }
}
