package io.messageorchestrator.orchestrator;

import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The processing deadlines (R5) of one shard's leases, on one timer. Every lease of a shard gets the same
 * {@code processingTimeout}, so deadlines fall in start order: leases wait in a FIFO list (unlinked in O(1) when
 * they end) and a single timer waits for the oldest. A timer per lease cost a priority-queue insertion and removal
 * per message on the event loop. Deadlines are measured on a monotonic nanosecond clock ({@link System#nanoTime()}:
 * real time, like any timer), whatever clock the shard uses for ages. Confined to the shard's context.
 */
final class LeaseDeadlines {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseDeadlines.class);
  private final Timers timers;
  private final LongSupplier nanoClock;
  private final long timeoutNanos;
  private final Consumer<Lease> onExpired;
  private Lease oldest;
  private Lease newest;
  /** The timer waiting for (at most) the oldest deadline, or -1. Left running when that lease ends early. */
  private long timerId = -1;

  LeaseDeadlines(Vertx vertx, long timeoutMillis, Consumer<Lease> onExpired) {
    this(Timers.of(vertx), System::nanoTime, timeoutMillis, onExpired);
  }

  LeaseDeadlines(Timers timers, LongSupplier nanoClock, long timeoutMillis, Consumer<Lease> onExpired) {
    this.timers = timers;
    this.nanoClock = nanoClock;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    this.onExpired = onExpired;
  }

  /** Starts the lease's clock: {@code onExpired} gets it after {@code processingTimeout} unless removed first. */
  void add(Lease lease) {
    lease.deadlineNanos = nanoClock.getAsLong() + timeoutNanos;
    lease.olderByDeadline = newest;
    if (newest == null) {
      oldest = lease;
    } else {
      newest.newerByDeadline = lease;
    }
    newest = lease;
    lease.awaitingDeadline = true;
    armTimer();
  }

  /** Stops the lease's clock; a no-op if it already expired or was removed. */
  void remove(Lease lease) {
    if (!lease.awaitingDeadline) {
      return;
    }
    lease.awaitingDeadline = false;
    if (lease.olderByDeadline == null) {
      oldest = lease.newerByDeadline;
    } else {
      lease.olderByDeadline.newerByDeadline = lease.newerByDeadline;
    }
    if (lease.newerByDeadline == null) {
      newest = lease.olderByDeadline;
    } else {
      lease.newerByDeadline.olderByDeadline = lease.olderByDeadline;
    }
    lease.olderByDeadline = null;
    lease.newerByDeadline = null;
  }

  private void armTimer() {
    if (timerId != -1 || oldest == null) {
      return;
    }
    long waitNanos = oldest.deadlineNanos - nanoClock.getAsLong();
    long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)); // never before the deadline
    timerId = timers.setTimer(waitMillis, this::expireDue);
  }

  private void expireDue() {
    timerId = -1;
    long now = nanoClock.getAsLong();
    while (oldest != null && oldest.deadlineNanos - now <= 0) {
      Lease expired = oldest;
      remove(expired);
      try {
        onExpired.accept(expired);
      } catch (RuntimeException e) {
        // One lease's failure must not strand the other overdue leases (they share this timer).
        LOG.error("Ending the expired lease of process {} failed", expired.pending.processId, e);
      }
    }
    armTimer();
  }
}
