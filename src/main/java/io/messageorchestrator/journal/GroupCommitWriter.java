package io.messageorchestrator.journal;

import io.messageorchestrator.core.RateLimitedLog;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The one thread that writes the SQLite journal (group commit). It owns the write connection; callers hand it work
 * through a bounded queue and return at once. Each turn it takes every write waiting at that moment (up to
 * {@code maxBatch}), runs them in one transaction and pays one commit — one sync — for all of them, so throughput grows
 * with concurrency instead of paying an fsync per message. Only after the commit does a caller's future complete, on
 * the caller's Vert.x context; appends complete in call order. A group's lifecycle writes ({@link Kind#LIFECYCLE})
 * follow in a second, unsynced transaction: the appends' commit — the one callers wait for — carries only what must be
 * synced. Lifecycle writes are held for a quiet moment (at most 10 ms) and folded per message ({@link SqliteWrites}).
 *
 * <p>A group that fails (disk full, broken file) is rolled back and its writes are replayed one transaction each, so
 * only the writes that cannot be made fail ({@link JournalUnavailableException}); the writer carries on and later
 * writes succeed as soon as the store can take them again. A full queue is rejected at once, never waited on.
 */
final class GroupCommitWriter {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  /** A full disk fails every write: one line per 10 s, not one per message. */
  private static final RateLimitedLog failureLog = new RateLimitedLog(log, Duration.ofSeconds(10));
  private static final long FILE_SIZE_REFRESH_NANOS = 1_000_000_000L;
  private static final long LIFECYCLE_HOLD_NANOS = 10_000_000L;

  /** One write: runs on the writer thread inside the group's transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(SqliteWrites writes) throws SQLException;
  }

  /** What a write is, for the counters and the failure flag. */
  enum Kind {
    APPEND,
    /**
     * A start, an outcome or a reply mark: held for a quiet moment (at most 10 ms), then committed in a transaction of
     * its own, not synced (J4). Once committed, a crash of the process keeps it (the operating system has it); held or
     * still queued, or after a power loss, it may be lost: an
     * unsynced start means the attempt counter is one lower, a lost outcome or delivered mark that the message runs or
     * its reply is sent once more — the at-least-once window the README states. Such a write is only ever made after
     * the append it refers to completed, so running it after later groups' writes keeps every message's order.
     */
    LIFECYCLE,
    /** The health probe: it checks for room when a write has failed, so its commit clears the failure. */
    PROBE,
    OTHER
  }

  private static final class Op<T> {
    final Work<T> work;
    final Kind kind;
    final Context caller;
    final Promise<T> promise = Promise.promise();
    final long calledAt = System.nanoTime();
    T result;
    Throwable failure;

    Op(Work<T> work, Kind kind, Context caller) {
      this.work = work;
      this.kind = kind;
      this.caller = caller;
    }

    void run(SqliteWrites writes) throws SQLException {
      result = work.run(writes);
    }

    void settle() {
      if (failure == null) {
        promise.tryComplete(result);
      } else {
        promise.tryFail(failure);
      }
    }
  }

  /** Wakes the writer when {@link #close} is called on an empty queue; never run. */
  private static final Op<Void> WAKE_UP = new Op<>(writes -> null, Kind.OTHER, null);

  private final SqliteWrites writes;
  private final String database;
  private final LongSupplier sizeOnDisk;
  private final BlockingQueue<Op<?>> queue;
  private final int maxBatch;
  private final Thread thread;
  private final Promise<Void> stopped = Promise.promise();
  private volatile boolean closing;
  private volatile boolean terminated;

  // Written by the writer thread only; read from anywhere (stats).
  private volatile long appends;
  private volatile long commits;
  private volatile long unsyncedCommits;
  private volatile int lastBatchSize;
  private volatile int largestBatchSize;
  private volatile long appendNanosTotal;
  private volatile long fileBytes;
  private volatile String lastFailure;
  private long fileBytesMeasuredAt;
  /** Rejected (queue full) or failed writes: counted by callers and the writer alike. */
  private final LongAdder failedWrites = new LongAdder();

  GroupCommitWriter(SqliteWrites writes, String database, LongSupplier sizeOnDisk, int queueCapacity, int maxBatch) {
    this.writes = writes;
    this.database = database;
    this.sizeOnDisk = sizeOnDisk;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.maxBatch = maxBatch;
    this.fileBytes = sizeOnDisk.getAsLong();
    this.fileBytesMeasuredAt = System.nanoTime();
    this.thread = Thread.ofPlatform().name("journal-sqlite-writer").daemon(true).unstarted(this::run);
  }

  void start() {
    thread.start();
  }

  /** Queues {@code work}; its future completes on the calling context after the commit that carries it. */
  <T> Future<T> submit(Work<T> work, Kind kind) {
    Op<T> op = new Op<>(work, kind, CallerContext.capture());
    if (closing) {
      return Future.failedFuture(new JournalUnavailableException("the SQLite journal " + database + " is closed"));
    }
    if (!queue.offer(op)) {
      failedWrites.increment();
      return Future.failedFuture(new JournalUnavailableException("the SQLite journal " + database
        + " is overloaded: " + queue.size() + " writes already waiting"));
    }
    // The writer may have made its last pass between the check above and the offer: take the op back and fail it
    // (if the writer's last pass took it, that pass failed it).
    if (terminated && queue.remove(op)) {
      return Future.failedFuture(new JournalUnavailableException("the SQLite journal " + database + " is closed"));
    }
    return op.promise.future();
  }

  /** Lets the writes already queued finish, then stops the thread; the future completes when it has stopped. */
  Future<Void> close() {
    closing = true;
    queue.offer(WAKE_UP); // if the queue is full the writer is busy and will see closing before it waits again
    return stopped.future();
  }

  /**
   * Lifecycle writes taken from the queue and not yet made: they wait for a quiet moment (no append for a while), for
   * {@value #LIFECYCLE_HOLD_NANOS} ns after the oldest came, or for {@code maxBatch} of them — whichever is first — so
   * that the appends callers wait for go first, and a message's start, outcome and reply mark mostly share one
   * transaction and fold into one statement ({@link SqliteWrites}). Bounded by {@code maxBatch}; after a kill -9 the
   * ones still held are lost like the ones still queued (the at-least-once window {@link Kind#LIFECYCLE} states).
   */
  private final List<Op<?>> lifecycleHeld = new ArrayList<>();
  private long oldestHeldAt;

  private void run() {
    List<Op<?>> batch = new ArrayList<>(maxBatch);
    try {
      while (true) {
        Op<?> first = next();
        if (first == null) {
          if (!lifecycleHeld.isEmpty()) {
            writeLifecycle(); // quiet, or held long enough
            continue;
          }
          if (closing) {
            break;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        batch.removeIf(op -> op == WAKE_UP);
        boolean appended = !batch.isEmpty() && execute(batch);
        batch.clear();
        // While appends keep coming, lifecycle writes wait (up to the hold) to share a transaction; a group of only
        // lifecycle writes with nothing behind it is written at once (nobody appends: nothing to wait for).
        if (!lifecycleHeld.isEmpty() && (!appended && queue.isEmpty() || lifecycleHeld.size() >= maxBatch
          || System.nanoTime() - oldestHeldAt >= LIFECYCLE_HOLD_NANOS)) {
          writeLifecycle();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      log.error("The SQLite journal's writer stopped on an unexpected error ({})", database, e);
    } finally {
      terminated = true;
      closing = true;
      List<Op<?>> left = new ArrayList<>(batch); // not empty only if the writer stopped half-way through a group
      left.addAll(lifecycleHeld);
      queue.drainTo(left);
      left.removeIf(op -> op == WAKE_UP);
      for (Op<?> op : left) {
        op.failure = new JournalUnavailableException("the SQLite journal " + database + " is closed");
      }
      dispatch(left);
      writes.close();
      stopped.complete();
    }
  }

  /** The next write: waits for one, but no longer than the oldest held lifecycle write may wait; {@code null}: none. */
  private Op<?> next() throws InterruptedException {
    if (closing) {
      return queue.poll();
    }
    if (lifecycleHeld.isEmpty()) {
      return queue.take();
    }
    long left = LIFECYCLE_HOLD_NANOS - (System.nanoTime() - oldestHeldAt);
    return left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
  }

  /**
   * Runs the group's appends and other synced writes and answers their callers; holds its lifecycle writes. Answers
   * whether the group had synced writes.
   */
  private boolean execute(List<Op<?>> batch) {
    List<Op<?>> synced = new ArrayList<>(batch.size());
    for (Op<?> op : batch) {
      if (op.kind == Kind.LIFECYCLE) {
        if (lifecycleHeld.isEmpty()) {
          oldestHeldAt = System.nanoTime();
        }
        lifecycleHeld.add(op);
      } else {
        synced.add(op);
      }
    }
    if (!synced.isEmpty()) {
      execute(synced, true);
      dispatch(synced);
    }
    refreshFileSize();
    return !synced.isEmpty();
  }

  private void writeLifecycle() {
    List<Op<?>> group = new ArrayList<>(lifecycleHeld);
    lifecycleHeld.clear();
    execute(group, false);
    dispatch(group);
  }

  private void execute(List<Op<?>> group, boolean sync) {
    try {
      writes.begin(sync);
      for (Op<?> op : group) {
        op.run(writes);
      }
      writes.commit();
      committed(group, sync);
    } catch (SQLException | RuntimeException e) {
      writes.rollbackQuietly();
      if (group.size() == 1) {
        failed(group.getFirst(), e);
      } else {
        // One bad write must not fail the others it was grouped with: replay each alone.
        for (Op<?> op : group) {
          op.result = null;
          executeAlone(op, sync);
        }
      }
    }
  }

  private void executeAlone(Op<?> op, boolean sync) {
    try {
      writes.begin(sync);
      op.run(writes);
      writes.commit();
      committed(List.of(op), sync);
    } catch (SQLException | RuntimeException e) {
      writes.rollbackQuietly();
      failed(op, e);
    }
  }

  private void committed(List<Op<?>> ops, boolean sync) {
    long now = System.nanoTime();
    long appended = 0;
    long waited = 0;
    boolean wroteAfterFailure = false;
    for (Op<?> op : ops) {
      if (op.kind == Kind.APPEND) {
        appended++;
        waited += now - op.calledAt;
      }
      wroteAfterFailure |= op.kind == Kind.APPEND || op.kind == Kind.PROBE;
    }
    appends += appended;
    appendNanosTotal += waited;
    commits++;
    if (!sync) {
      unsyncedCommits++; // a group's and a replayed write's alike
    }
    lastBatchSize = ops.size();
    largestBatchSize = Math.max(largestBatchSize, ops.size());
    if (wroteAfterFailure) {
      // An append (which needs new pages) or a probe that found room went through: the store writes again. Updates
      // that need no new page prove nothing about a full disk, so they leave the flag alone.
      lastFailure = null;
    }
  }

  private void failed(Op<?> op, Exception e) {
    failedWrites.increment();
    String reason = SqliteFiles.describe(e);
    lastFailure = reason;
    op.failure = e instanceof JournalUnavailableException unavailable ? unavailable
      : new JournalUnavailableException("the SQLite journal " + database + " cannot write: " + reason, e);
    failureLog.warn("SQLite journal {}: a write failed: {}", database, reason);
  }

  private void refreshFileSize() {
    long now = System.nanoTime();
    if (now - fileBytesMeasuredAt >= FILE_SIZE_REFRESH_NANOS) {
      fileBytesMeasuredAt = now;
      fileBytes = sizeOnDisk.getAsLong();
    }
  }

  /**
   * Completes the group's futures in call order: one task per event loop (or worker context) that called, settling
   * its ops in the order they were submitted; directly for callers on no context.
   *
   * <p>Grouped by the caller's <em>root</em> context: Vert.x runs every event-bus message on a duplicate of the
   * consumer's context, so one shard's calls carry as many distinct contexts as messages. Grouping by those (and
   * walking the groups in a hash map's order) completed one shard's appends out of call order — a contact's later
   * message admitted before its earlier one (found by the {@code durable-burst} benchmark).
   */
  private static void dispatch(List<Op<?>> ops) {
    Map<Context, List<Op<?>>> byCaller = new LinkedHashMap<>();
    for (Op<?> op : ops) {
      if (op.caller == null || op.kind == Kind.LIFECYCLE && op.failure == null) {
        // A lifecycle write's caller only listens for its failure: a success is settled here, without waking the
        // caller's event loop for nothing (three such writes per message).
        op.settle();
      } else {
        byCaller.computeIfAbsent(((ContextInternal) op.caller).unwrap(), ignored -> new ArrayList<>()).add(op);
      }
    }
    byCaller.forEach((caller, settled) -> {
      try {
        caller.runOnContext(ignored -> settled.forEach(Op::settle));
      } catch (RuntimeException callerGone) {
        settled.forEach(Op::settle); // its Vert.x is closing: complete here rather than never
      }
    });
  }

  /** The reason a write failed, or {@code null} if an append or a probe has been committed since. */
  String lastFailure() {
    return lastFailure;
  }

  JournalStats stats() {
    return new JournalStats(appends, commits, lastBatchSize, largestBatchSize, queue.size(), failedWrites.sum(),
      appendNanosTotal, fileBytes);
  }

  /** Synced and unsynced commits so far (tests). */
  long[] commitCounts() {
    return new long[] {commits - unsyncedCommits, unsyncedCommits};
  }

  /** Measures the file now (on the writer thread) rather than within the next second. */
  Future<Long> measureFile() {
    return submit(ignored -> {
      fileBytes = sizeOnDisk.getAsLong();
      fileBytesMeasuredAt = System.nanoTime();
      return fileBytes;
    }, Kind.OTHER);
  }
}
