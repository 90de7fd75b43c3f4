package io.messageorchestrator.journal;

import io.messageorchestrator.journal.GroupCommitWriter.Kind;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code journal.type=sqlite}, the default: the journal in one SQLite file ({@code journal.path}), durable across
 * kill -9. WAL with {@code synchronous=FULL}: an append's future completes only after its commit is synced.
 *
 * <p>Writes go to one dedicated writer thread ({@link GroupCommitWriter}) that groups every write waiting at the same
 * moment into one transaction and one sync; reads go to a second connection on a reader thread
 * ({@link SqliteReads}). No event loop ever waits on JDBC or the disk; every future completes on the calling Vert.x
 * context. A second process (or a second journal in this JVM) opening the same file is refused: the file
 * {@code <path>.lock} is locked while the journal is open (SQLite's exclusive locking mode is not used: it would lock
 * out the {@code sqlite3} CLI and online backups).
 */
public final class SqliteJournal implements Journal {
  private static final long HEALTH_TIMEOUT_MS = 5_000;

  /**
   * @param queueCapacity writes that may wait for the writer; more are rejected ({@link JournalUnavailableException})
   * @param maxBatch      writes one transaction carries at most (bounds the wait of the first in a group)
   */
  record Tuning(int queueCapacity, int maxBatch) {
    static final Tuning DEFAULT = new Tuning(20_000, 2_048);
  }

  /**
   * The duplicate check's bounds: {@code dedupWindow} (ms; keys older than it are not loaded at open; 0: no bound by
   * age) and {@code dedupMaxEntries} (keys held at most, the newest kept).
   */
  record Dedup(long window, int maxEntries) {
    static final Dedup DEFAULT = new Dedup(0, 100_000);
  }

  private final Vertx vertx;
  private final SqliteFiles files;
  private final GroupCommitWriter writer;
  private final SqliteReads reads;

  private SqliteJournal(Vertx vertx, SqliteFiles files, GroupCommitWriter writer, SqliteReads reads) {
    this.vertx = vertx;
    this.files = files;
    this.writer = writer;
    this.reads = reads;
  }

  /**
   * Opens (creating the folder and the file if needed) and migrates the journal {@code settings.path()}, off the
   * event loop. Fails with a {@link JournalUnavailableException} naming the file when it cannot be used: a path under
   * a regular file, a file that is not a database, a file locked by another process.
   */
  public static Future<SqliteJournal> open(Vertx vertx, JournalSettings settings) {
    return open(vertx, settings, Dedup.DEFAULT, Tuning.DEFAULT);
  }

  /** @see #open(Vertx, JournalSettings); with the service's {@code dedupWindow} and {@code dedupMaxEntries} */
  public static Future<SqliteJournal> open(Vertx vertx, JournalSettings settings, long dedupWindow,
                                           int dedupMaxEntries) {
    return open(vertx, settings, new Dedup(dedupWindow, dedupMaxEntries), Tuning.DEFAULT);
  }

  static Future<SqliteJournal> open(Vertx vertx, JournalSettings settings, Dedup dedup, Tuning tuning) {
    return vertx.executeBlocking(() -> openBlocking(vertx, settings.path(), dedup, tuning), false);
  }

  private static SqliteJournal openBlocking(Vertx vertx, String path, Dedup dedup, Tuning tuning) {
    SqliteFiles files = SqliteFiles.lock(path);
    Connection writeConnection = null;
    Connection readConnection = null;
    try {
      writeConnection = files.openWriteConnection();
      SqliteSchema.migrate(writeConnection, files.database().toString());
      readConnection = files.openReadConnection();
      DedupIndex keys = SqliteReads.loadDedupKeys(writeConnection, dedup, System.currentTimeMillis());
      GroupCommitWriter writer = new GroupCommitWriter(new SqliteWrites(writeConnection, keys),
        files.database().toString(), files::sizeOnDisk, tuning.queueCapacity(), tuning.maxBatch());
      SqliteReads reads = new SqliteReads(readConnection, files.database().toString());
      writer.start();
      return new SqliteJournal(vertx, files, writer, reads);
    } catch (SQLException | RuntimeException e) {
      SqliteFiles.closeQuietly(readConnection);
      SqliteFiles.closeQuietly(writeConnection);
      files.close();
      throw e instanceof JournalUnavailableException unavailable ? unavailable : files.cannotOpen(e);
    }
  }

  /** The database file (absolute). */
  public Path path() {
    return files.database();
  }

  /** Counters for metrics: appends, commits, batch sizes, queue depth, file size. */
  @Override
  public JournalStats stats() {
    return writer.stats();
  }

  @Override
  public String type() {
    return "sqlite";
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public Future<AppendResult> append(JournalEntry entry, long dedupSince) {
    // Encoded and keyed here, on the caller's thread: the writer thread is the bottleneck.
    String messageJson = (entry.message() == null ? new JsonObject() : entry.message()).encode();
    DedupIndex.Key key = entry.dedupKey() == null ? null
      : new DedupIndex.Key(entry.account(), entry.contactId(), entry.dedupKey());
    return writer.submit(writes -> writes.append(entry, key, messageJson, dedupSince), Kind.APPEND);
  }

  @Override
  public Future<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt) {
    return writer.submit(writes -> writes.markStarted(processId, attempt, leaseToken, startedAt), Kind.LIFECYCLE);
  }

  @Override
  public Future<Void> recordOutcome(OutcomeRecord outcome) {
    return writer.submit(writes -> writes.recordOutcome(outcome), Kind.LIFECYCLE);
  }

  @Override
  public Future<Void> markReply(String processId, ReplyState state, long at) {
    return writer.submit(writes -> writes.markReply(processId, state, at), Kind.LIFECYCLE);
  }

  @Override
  public Future<Void> pause(ContactPause pause) {
    return writer.submit(writes -> writes.pause(pause), Kind.OTHER);
  }

  @Override
  public Future<Void> resume(String account, String contactId) {
    return writer.submit(writes -> writes.resume(account, contactId), Kind.OTHER);
  }

  @Override
  public Future<Recovery> recover() {
    return reads.recover();
  }

  /** V4: one read of the newest finished rows, on the reader's connection (no index is needed or written for it). */
  @Override
  public Future<List<HistoryTurn>> recentHistory(int perConversation, int maxConversations, long since) {
    return reads.recentHistory(perConversation, maxConversations, since);
  }

  @Override
  public Future<Integer> purge(long finishedBefore, int maxRows) {
    if (maxRows <= 0) {
      return Future.succeededFuture(0);
    }
    return writer.submit(writes -> writes.purge(finishedBefore, maxRows), Kind.OTHER);
  }

  @Override
  public Future<List<JsonObject>> deadLetters(int limit, int offset) {
    return reads.deadLetters(limit, offset);
  }

  @Override
  public Future<JsonObject> find(String processId) {
    return reads.find(processId);
  }

  @Override
  public Future<Boolean> deleteDeadLetter(String processId) {
    return writer.submit(writes -> writes.deleteDeadLetter(processId), Kind.OTHER);
  }

  @Override
  public Future<JsonObject> exportContact(String account, String contactId) {
    return reads.exportContact(account, contactId);
  }

  @Override
  public Future<JsonObject> eraseContact(String account, String contactId) {
    return writer.submit(writes -> writes.eraseContact(account, contactId), Kind.OTHER);
  }

  /**
   * A probe through the writer: a small committed write; after a write failed, also a check for 64 KiB of room (so
   * readiness comes back as soon as space does, without waiting for an append). It fails when the disk (or the page
   * limit) is full, the file is broken, the writer is stuck (no answer within 5 s) or overloaded.
   */
  @Override
  public Future<JsonObject> health() {
    Promise<JsonObject> result = Promise.promise();
    long timer = vertx.setTimer(HEALTH_TIMEOUT_MS, ignored -> result.tryFail(new JournalUnavailableException(
      "the SQLite journal " + path() + " did not answer its health probe within " + HEALTH_TIMEOUT_MS + " ms")));
    writer.submit(writes -> writes.probe(System.currentTimeMillis(), writer.lastFailure() != null),
      Kind.PROBE).onComplete(probe -> {
      vertx.cancelTimer(timer);
      if (probe.succeeded()) {
        result.tryComplete(new JsonObject().put("type", type()).put("durable", true).put("path", path().toString())
          .put("schemaVersion", SqliteSchema.latestVersion()).mergeIn(stats().toJson()));
      } else {
        result.tryFail(probe.cause());
      }
    });
    return result.future();
  }

  /** Finishes the queued writes and reads, closes both connections and releases the lock file. */
  @Override
  public Future<Void> close() {
    Context caller = CallerContext.capture();
    Promise<Void> closed = Promise.promise();
    writer.close()
      .eventually(reads::close)
      .onComplete(ignored -> {
        files.close();
        CallerContext.complete(caller, closed, null);
      });
    return closed.future();
  }

  // Hooks for tests of this package.

  /** A pragma's value on the writer's connection. */
  Future<String> writerPragma(String name) {
    return writer.submit(writes -> writes.pragma(name), Kind.OTHER);
  }

  /** Caps the file at {@code pages} pages (at least its current size): simulates a full disk. */
  Future<Long> limitPages(long pages) {
    return writer.submit(writes -> writes.limitPages(pages), Kind.OTHER);
  }

  /** Holds the writer (counting down {@code entered}) until {@code released} is counted down: tests of the queue. */
  Future<Void> holdWriter(CountDownLatch entered, CountDownLatch released) {
    return writer.submit(writes -> {
      entered.countDown();
      try {
        released.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }, Kind.OTHER);
  }

  /** Start, outcome and reply-mark statements made so far (after folding), read after the writes queued before. */
  Future<Long> lifecycleStatements() {
    return writer.submit(SqliteWrites::lifecycleStatements, Kind.OTHER);
  }

  /** Synced and unsynced commits so far. */
  long[] commitCounts() {
    return writer.commitCounts();
  }

  /** Measures the file now instead of within a second. */
  Future<Long> measureFile() {
    return writer.measureFile();
  }
}
