package io.messageorchestrator.orchestrator;

import io.vertx.core.Context;

import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code maxConcurrentContacts}: how many contacts, across all shards of this node, may be processing at once.
 * A lane that finds no permit waits in one FIFO line shared by every shard (R3: it waits, it is never refused), and
 * a lane that finishes and still has work goes to the back of that line, so a busy contact cannot starve others.
 *
 * <p>This is the one piece of state shared between shard contexts. It is lock-free: a permit counter and a queue of
 * waiters, where every release or enqueue drains, so no wake-up is lost. Grants run on the waiter's own context.
 */
public final class GlobalConcurrencyLimit {
  private final int limit;
  private final AtomicInteger available;
  private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
  /** Set when the shutdown grace period ends: no permit is handed out any more (R11). */
  private volatile boolean closed;

  private record Waiter(Executor context, Runnable onGrant) {
  }

  public GlobalConcurrencyLimit(int limit) {
    this.limit = limit;
    this.available = new AtomicInteger(limit);
  }

  /**
   * Takes a permit now and returns {@code true}, or returns {@code false} and runs {@code onGrant} on
   * {@code context} once a permit is handed over. The receiver of a grant owns the permit and must
   * {@link #release()} it, even when it no longer needs it.
   */
  public boolean acquireOrWait(Context context, Runnable onGrant) {
    return acquireOrWait(task -> context.runOnContext(ignored -> task.run()), onGrant);
  }

  /** As {@link #acquireOrWait(Context, Runnable)}, the grant running on {@code context} (e.g. a shard's context). */
  public boolean acquireOrWait(Executor context, Runnable onGrant) {
    if (closed) {
      return false; // never granted: the shard discards the waiting work
    }
    if (waiters.isEmpty() && tryTake()) {
      return true;
    }
    waiters.add(new Waiter(context, onGrant));
    drain();
    return false;
  }

  /**
   * The shutdown grace period ended: from now on no permit is taken or granted, so permits freed by one shard's
   * discarding cannot start new work on another shard. Waiters are forgotten (their work is being discarded).
   * A grant already on its way to a shard's context is refused there ({@link #isClosed()}).
   */
  public void close() {
    closed = true;
    waiters.clear();
  }

  public boolean isClosed() {
    return closed;
  }

  public void release() {
    available.incrementAndGet();
    drain();
  }

  public int limit() {
    return limit;
  }

  public int inUse() {
    return limit - available.get();
  }

  public int waiting() {
    return waiters.size();
  }

  private void drain() {
    while (!closed && !waiters.isEmpty() && tryTake()) {
      Waiter next = waiters.poll();
      if (next == null || closed) {
        available.incrementAndGet(); // another thread took the last waiter; give the permit back and look again
      } else {
        next.context().execute(next.onGrant());
      }
    }
  }

  private boolean tryTake() {
    int current;
    do {
      current = available.get();
      if (current <= 0) {
        return false;
      }
    } while (!available.compareAndSet(current, current - 1));
    return true;
  }
}
