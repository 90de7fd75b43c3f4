package io.messageorchestrator.journal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The group-commit loop of the PostgreSQL journal: every operation is queued (bounded: a full queue rejects at once),
 * and one batch at a time, the writer takes everything waiting and runs it in one transaction on one connection.
 * The statements of a batch are pipelined (sent without waiting for each answer) in queue order, so a batch costs
 * about one round trip and one commit however many operations it holds, and order holds across batches.
 *
 * <p>A batch without appends commits with {@code synchronous_commit = off} (the contract lets starts, outcomes and
 * reply marks be synced later); a batch with an append commits synchronously, so an append completes only once it is
 * on disk. When a statement of a batch fails on its data (a constraint, bad data), the batch is rolled back and its
 * operations run again one per transaction, so one bad operation does not fail the others; any other failure fails
 * the whole batch at once. A shard write refused for a stale ownership epoch ({@link ShardFencedException}) is no
 * failure of the transaction: its statement ran and changed nothing, so the batch commits and only that operation
 * fails. Every batch has a
 * deadline: past it, its callers fail with {@link JournalUnavailableException}, its query is cancelled on the server
 * and the writer moves on; nothing is committed after the deadline (the commit is only sent before it).
 *
 * <p>Results complete on the Vert.x context that submitted the operation (in submission order for one context).
 */
final class PgWriter {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresJournal.class);

  /** One operation's statements. They must all be sent by {@code run} itself (not chained on each other's answers), so
   * that the statements of the next operation in the batch run after them. */
  @FunctionalInterface
  interface Step<T> {
    Future<T> run(SqlConnection conn);
  }

  private static final class Op<T> {
    final Step<T> step;
    final boolean append;
    final Context caller;
    final Promise<T> promise = Promise.promise();
    final long submittedAt = System.nanoTime();

    Op(Step<T> step, boolean append, Context caller) {
      this.step = step;
      this.append = append;
      this.caller = caller;
    }

    void settle(Future<?> result) {
      @SuppressWarnings("unchecked")
      Future<T> typed = (Future<T>) result;
      if (caller == null) {
        promise.handle(typed);
      } else {
        caller.runOnContext(v -> promise.handle(typed));
      }
    }
  }

  private final Vertx vertx;
  private final Context writer;
  private final Pool pool;
  private final int maxBatch;
  private final long deadlineMs;
  private final ArrayBlockingQueue<Op<?>> queue;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile boolean closed;

  private final AtomicLong appends = new AtomicLong();
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong fenced = new AtomicLong();
  private final AtomicLong appendNanos = new AtomicLong();
  private volatile int lastBatchSize;
  private volatile int largestBatchSize;
  /** Written on the writer context only: an outage is logged when it starts and when it ends, not per batch. */
  private long failuresInARow;

  PgWriter(Vertx vertx, Context writer, Pool pool, int capacity, int maxBatch, long deadlineMs) {
    this.vertx = vertx;
    this.writer = writer;
    this.pool = pool;
    this.maxBatch = maxBatch;
    this.deadlineMs = deadlineMs;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  <T> Future<T> submit(Step<T> step) {
    return submit(step, false);
  }

  /** Queues an operation; {@code append}: it must be synced before it completes (and is counted as an append). */
  <T> Future<T> submit(Step<T> step, boolean append) {
    if (closed) {
      return Future.failedFuture(new JournalUnavailableException("the PostgreSQL journal is closed"));
    }
    Op<T> op = new Op<>(step, append, Vertx.currentContext());
    if (!queue.offer(op)) {
      rejected.incrementAndGet();
      failedWrites.incrementAndGet();
      return Future.failedFuture(new JournalUnavailableException(
        "the PostgreSQL journal's queue is full (" + queue.size() + " operations waiting)"));
    }
    schedule();
    return op.promise.future();
  }

  /** Stops taking operations; completes once everything already queued has run. */
  Future<Void> close() {
    Future<Void> last = submit(conn -> Future.succeededFuture());
    closed = true;
    return last.recover(failure -> Future.succeededFuture());
  }

  PostgresJournalStats stats() {
    return new PostgresJournalStats(appends.get(), commits.get(), lastBatchSize, largestBatchSize, queue.size(),
      failedWrites.get(), rejected.get(), appendNanos.get(), fenced.get());
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      writer.runOnContext(v -> drain());
    }
  }

  /** Runs on the writer context only, one batch at a time. */
  private void drain() {
    List<Op<?>> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    queue.drainTo(batch, maxBatch);
    if (batch.isEmpty()) {
      scheduled.set(false);
      if (!queue.isEmpty()) {
        schedule(); // an operation arrived between the drain and the reset
      }
      return;
    }
    runWithDeadline(batch).onComplete(done -> drain());
  }

  /** Runs the batch; if a statement failed on the server, runs its operations again one per transaction. */
  private Future<Void> runWithDeadline(List<Op<?>> batch) {
    return attempt(batch).compose(failure -> {
      if (failure == null) {
        return Future.succeededFuture();
      }
      if (batch.size() > 1 && isDataError(failure)) {
        return isolate(batch, 0);
      }
      failedWrites.addAndGet(batch.size());
      JournalUnavailableException unavailable = unavailable(failure);
      if (isDataError(failure)) {
        LOG.warn("PostgreSQL journal refused an operation: {}", failure.getMessage()); // a bug, not an outage
      } else if (failuresInARow++ == 0) {
        LOG.warn("PostgreSQL journal unavailable, {} operation(s) failed: {}", batch.size(), unavailable.getMessage());
      }
      batch.forEach(op -> op.settle(Future.failedFuture(unavailable)));
      return Future.succeededFuture();
    });
  }

  private Future<Void> isolate(List<Op<?>> batch, int index) {
    if (index == batch.size()) {
      return Future.succeededFuture();
    }
    List<Op<?>> single = List.of(batch.get(index));
    return runWithDeadline(single).compose(done -> isolate(batch, index + 1));
  }

  /**
   * One transaction for the whole batch. Completes with {@code null} when every operation was settled (committed),
   * else with the failure, the operations not yet settled.
   */
  private Future<Throwable> attempt(List<Op<?>> batch) {
    Promise<Throwable> outcome = Promise.promise();
    AtomicBoolean over = new AtomicBoolean();
    AtomicBoolean committing = new AtomicBoolean();
    SqlConnection[] held = new SqlConnection[1];
    Handler<Long> giveUp = id -> {
      if (over.compareAndSet(false, true)) {
        cancel(held[0]);
        outcome.complete(new JournalUnavailableException(
          "PostgreSQL did not answer within " + deadlineMs + " ms (" + batch.size() + " operations)"));
      }
    };
    long[] timer = new long[1];
    timer[0] = vertx.setTimer(deadlineMs, id -> {
      if (committing.get() && !over.get()) {
        // COMMIT was sent: failing now could answer 503 for messages that are in fact journaled (the provider's
        // retry would then be a duplicate, and the message would wait for the next start). Give the commit's own
        // answer one more deadline before giving up.
        timer[0] = vertx.setTimer(deadlineMs, giveUp);
      } else {
        giveUp.handle(id);
      }
    });
    boolean sync = batch.stream().anyMatch(op -> op.append);
    pool.getConnection()
      .compose(conn -> {
        if (over.get()) {
          return conn.close().transform(closed -> Future.failedFuture(new JournalUnavailableException("deadline")));
        }
        held[0] = conn;
        return conn.begin()
          .compose(tx -> runInTransaction(conn, tx, batch, sync, over, committing))
          .eventually(conn::close);
      })
      .onComplete(result -> {
        if (!over.compareAndSet(false, true)) {
          return; // the deadline already answered the callers
        }
        vertx.cancelTimer(timer[0]);
        if (result.failed()) {
          outcome.complete(result.cause());
          return;
        }
        commits.incrementAndGet();
        lastBatchSize = batch.size();
        largestBatchSize = Math.max(largestBatchSize, batch.size());
        if (failuresInARow > 0) {
          LOG.info("PostgreSQL journal available again after {} failed batch(es)", failuresInARow);
          failuresInARow = 0;
        }
        List<Future<?>> results = result.result();
        for (int i = 0; i < batch.size(); i++) {
          Op<?> op = batch.get(i);
          Future<?> opResult = results.get(i);
          if (opResult.failed()) {
            fenced.incrementAndGet();
          } else if (op.append) {
            appends.incrementAndGet();
            appendNanos.addAndGet(System.nanoTime() - op.submittedAt);
          }
          op.settle(opResult);
        }
        outcome.complete(null);
      });
    return outcome.future();
  }

  private Future<List<Future<?>>> runInTransaction(SqlConnection conn, Transaction tx, List<Op<?>> batch,
                                                   boolean sync, AtomicBoolean over, AtomicBoolean committing) {
    List<Future<?>> results = new ArrayList<>(batch.size() + 1);
    if (!sync) {
      results.add(conn.query("SET LOCAL synchronous_commit TO off").execute());
    }
    int first = results.size();
    for (Op<?> op : batch) {
      Future<?> result;
      try {
        result = op.step.run(conn);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      results.add(result);
    }
    List<Future<?>> opResults = results.subList(first, results.size());
    return Future.join(results).transform(all -> {
      // A refusal (a shard write whose epoch is stale) ran and changed nothing: the transaction is still good, the
      // others commit, and the refused operation fails alone. The statements ran in list order: the first other
      // failure is the cause, the later ones only say "current transaction is aborted".
      Throwable cause = all.failed() ? results.stream().filter(Future::failed).map(Future::cause)
        .filter(failure -> !(failure instanceof ShardFencedException)).findFirst().orElse(null) : null;
      if (cause != null) {
        return tx.rollback().transform(rolledBack -> Future.failedFuture(cause));
      }
      if (over.get()) {
        return tx.rollback().transform(rolledBack -> Future.failedFuture(new JournalUnavailableException("deadline")));
      }
      committing.set(true);
      return tx.commit().map(committed -> opResults);
    });
  }

  /**
   * An error of one statement's data (SQL state class 22 data exception, 23 integrity violation): worth running the
   * batch's operations again one by one. Any other error (a timeout, the server shutting down, a full disk) would
   * only fail again, once per operation, so it fails the whole batch at once.
   */
  private static boolean isDataError(Throwable failure) {
    if (failure instanceof DatabaseException database && database.getSqlState() != null) {
      String state = database.getSqlState();
      return state.startsWith("22") || state.startsWith("23");
    }
    return false;
  }

  /** Best effort: asks the server to stop the statement the connection is waiting for. */
  private static void cancel(SqlConnection conn) {
    if (conn != null) {
      try {
        PgConnection.cast(conn).cancelRequest();
      } catch (RuntimeException ignored) {
        // the deadline has answered the callers already; a connection that cannot be cancelled ends with its socket
      }
    }
  }

  private static JournalUnavailableException unavailable(Throwable failure) {
    if (failure instanceof JournalUnavailableException journal) {
      return journal;
    }
    return new JournalUnavailableException("PostgreSQL journal write failed: " + failure.getMessage(), failure);
  }
}
