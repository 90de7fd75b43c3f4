package io.messageorchestrator.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes (Awaitility-style): waiting on another process, which has
 * no future to complete. The timeout turns a hang into a failure; it is never what makes a test pass.
 */
public final class Poll {
  private static final long INTERVAL_NANOS = Duration.ofMillis(20).toNanos();

  private Poll() {
  }

  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    until(what, timeout, condition, () -> "");
  }

  /** @param state what a failure message shows of the state at the deadline */
  public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (AssertionError e) {
        throw e; // a definite failure (e.g. the child died): no point waiting
      } catch (RuntimeException e) {
        last = e; // e.g. the child does not listen yet
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting until " + what
          + (last == null ? "" : " (last error: " + last + ")") + " " + state.get());
      }
      LockSupport.parkNanos(INTERVAL_NANOS);
    }
  }
}
