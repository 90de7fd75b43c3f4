package io.messageorchestrator.journal;

import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal's writes, as statements prepared once on the writer's connection. Used by the writer thread only,
 * inside the transaction it groups them in; each method only reads and writes the database (its result is handed to
 * the caller after the commit, and recomputed if the group is rolled back and replayed).
 */
final class SqliteWrites implements AutoCloseable {
  /** Layout version of the {@code message} JSON column ({@link JournalEntry#FORMAT}). */
  static final int FORMAT_VERSION = JournalEntry.FORMAT;
  private static final String DEAD_LETTER = "(outcome IN ('failed', 'timed_out') OR reply_state = 'failed')";
  private static final int PROBE_HEADROOM_BYTES = 64 * 1024;

  /**
   * The statements, prepared together. The driver finalizes a statement that fails with an I/O or full-disk error,
   * so after a failure they are all prepared again before the next transaction.
   */
  private static final class Prepared implements AutoCloseable {
    final Statement plain;
    final PreparedStatement begin;
    final PreparedStatement commit;
    final PreparedStatement insertMessage;
    final PreparedStatement markStarted;
    final PreparedStatement recordOutcome;
    final PreparedStatement keyOf;
    final PreparedStatement forgetKey;
    final PreparedStatement markReply;
    final PreparedStatement purgeMessages;
    final PreparedStatement deleteDeadLetter;
    final PreparedStatement eraseMessages;
    final PreparedStatement pause;
    final PreparedStatement resume;
    final PreparedStatement probeHeartbeat;
    final PreparedStatement probeHeadroom;
    final PreparedStatement probeRelease;

    Prepared(Connection connection) throws SQLException {
      plain = connection.createStatement();
      // IMMEDIATE: the write lock is taken at once (waiting busy_timeout for a sqlite3 CLI that holds it), never
      // half-way through a group.
      begin = connection.prepareStatement("BEGIN IMMEDIATE");
      commit = connection.prepareStatement("COMMIT");
      insertMessage = connection.prepareStatement("""
        INSERT INTO messages (process_id, account, contact_id, dedup_key, message, format_version, accepted_at,
                              attempts, replay_of)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""");
      markStarted = connection.prepareStatement("""
        UPDATE messages SET attempts = ?, lease_token = ?, started_at = ?
        WHERE process_id = ? AND outcome IS NULL""");
      // The outcome, with the start and the reply mark folded in when they came in the same transaction (NULL: kept).
      recordOutcome = connection.prepareStatement("""
        UPDATE messages SET attempts = COALESCE(?, attempts), lease_token = COALESCE(?, lease_token),
                            started_at = COALESCE(?, started_at), outcome = ?, reply = ?, reply_state = ?, error = ?,
                            finished_at = ?, reply_at = ?
        WHERE process_id = ? AND outcome IS NULL""");
      // The row no longer holds its key: the next open does not load it into the dedup index.
      keyOf = connection.prepareStatement("SELECT account, contact_id, dedup_key FROM messages WHERE process_id = ?");
      forgetKey = connection.prepareStatement("UPDATE messages SET dedup_key = NULL WHERE process_id = ?");
      markReply = connection.prepareStatement("""
        UPDATE messages SET reply_state = ?, reply_at = ? WHERE process_id = ? AND reply_state = 'pending'""");
      purgeMessages = connection.prepareStatement("""
        DELETE FROM messages WHERE sequence IN (
          SELECT sequence FROM messages
          WHERE outcome IS NOT NULL AND finished_at < ? AND reply_state <> 'pending'
          ORDER BY sequence LIMIT ?)""");
      deleteDeadLetter = connection.prepareStatement(
        "DELETE FROM messages WHERE process_id = ? AND " + DEAD_LETTER);
      eraseMessages = connection.prepareStatement("DELETE FROM messages WHERE account = ? AND contact_id = ?");
      pause = connection.prepareStatement("""
        INSERT INTO contact_pauses (account, contact_id, paused_at, paused_until, paused_by, reason)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (account, contact_id) DO UPDATE SET paused_at = excluded.paused_at,
          paused_until = excluded.paused_until, paused_by = excluded.paused_by, reason = excluded.reason""");
      resume = connection.prepareStatement("DELETE FROM contact_pauses WHERE account = ? AND contact_id = ?");
      probeHeartbeat = connection.prepareStatement("""
        INSERT INTO journal_probe (id, checked_at) VALUES (1, ?)
        ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at""");
      probeHeadroom = connection.prepareStatement(
        "INSERT INTO journal_probe (id, checked_at, headroom) VALUES (2, ?, zeroblob(" + PROBE_HEADROOM_BYTES + "))");
      probeRelease = connection.prepareStatement("DELETE FROM journal_probe WHERE id = 2");
    }

    @Override
    public void close() {
      for (AutoCloseable statement : new AutoCloseable[] {plain, begin, commit, insertMessage, markStarted,
        recordOutcome, keyOf, forgetKey, markReply, purgeMessages, deleteDeadLetter, eraseMessages, pause, resume,
        probeHeartbeat, probeHeadroom, probeRelease}) {
        SqliteFiles.closeQuietly(statement);
      }
    }
  }

  /** A start, an outcome or a reply mark, held until the transaction commits (see {@link #writeLifecycle}). */
  private sealed interface Lifecycle {
    String processId();
  }

  private record Start(String processId, int attempt, long leaseToken, long startedAt) implements Lifecycle {
  }

  private record Finish(OutcomeRecord outcome) implements Lifecycle {
    @Override
    public String processId() {
      return outcome.processId();
    }
  }

  private record ReplyMark(String processId, ReplyState state, long at) implements Lifecycle {
  }

  private final Connection connection;
  private final DedupIndex dedup;
  /** The open transaction's lifecycle writes, by message in the order they first came, each message's in call order. */
  private final Map<String, List<Lifecycle>> lifecycle = new LinkedHashMap<>();
  private Prepared sql;
  private boolean stale;
  /** Lifecycle statements made (tests: what folding saved). */
  private long lifecycleStatements;
  /** The connection's {@code synchronous} setting: FULL (true) unless a lifecycle transaction set NORMAL. */
  private boolean synced = true;

  SqliteWrites(Connection connection, DedupIndex dedup) throws SQLException {
    this.connection = connection;
    this.dedup = dedup;
    this.sql = new Prepared(connection);
  }

  /**
   * Starts a write transaction, preparing the statements again first if a failure finalized them. {@code sync}: its
   * commit is synced ({@code synchronous=FULL}, the connection's setting); otherwise {@code synchronous=NORMAL}, which
   * in WAL mode commits without an fsync (the next synced commit or checkpoint carries it to the disk).
   */
  void begin(boolean sync) throws SQLException {
    if (stale) {
      sql.close();
      sql = new Prepared(connection);
      stale = false;
      synced = !sync; // a failure may have come half-way through a change: set it again below
    }
    if (sync != synced) {
      sql.plain.execute(sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      synced = sync;
    }
    sql.begin.execute();
  }

  void commit() throws SQLException {
    writeLifecycle();
    sql.commit.execute();
    dedup.committed();
  }

  /** After a failure: SQLite may have rolled back already (e.g. on SQLITE_FULL), so "no transaction" is fine. */
  void rollbackQuietly() {
    stale = true;
    lifecycle.clear();
    dedup.rollback();
    try (Statement rollback = connection.createStatement()) {
      rollback.execute("ROLLBACK");
    } catch (SQLException alreadyRolledBack) {
      // nothing to undo
    }
  }

  /**
   * @param key         the entry's dedup key ({@code null}: none) and {@code messageJson} its message, both made by the
   *                    caller (the writer thread is the bottleneck)
   */
  AppendResult append(JournalEntry entry, DedupIndex.Key key, String messageJson, long dedupSince)
    throws SQLException {
    // The key is checked and taken in this transaction, and committed in the message's own row (dedup_key).
    if (key != null && !dedup.take(key, entry.acceptedAt(), entry.processId(), dedupSince)) {
      return AppendResult.DUPLICATE;
    }
    sql.insertMessage.setString(1, entry.processId());
    sql.insertMessage.setString(2, entry.account());
    sql.insertMessage.setString(3, entry.contactId());
    setNullable(sql.insertMessage, 4, entry.dedupKey());
    sql.insertMessage.setString(5, messageJson);
    sql.insertMessage.setInt(6, FORMAT_VERSION);
    sql.insertMessage.setLong(7, entry.acceptedAt());
    sql.insertMessage.setInt(8, entry.attempts());
    setNullable(sql.insertMessage, 9, entry.replayOf());
    sql.insertMessage.executeUpdate();
    return AppendResult.APPENDED;
  }

  /**
   * A call started: made when the transaction commits, folded into the message's outcome if that comes in the same
   * transaction (a fast agent's start and outcome cost one statement, not two).
   */
  Void markStarted(String processId, int attempt, long leaseToken, long startedAt) {
    hold(new Start(processId, attempt, leaseToken, startedAt));
    return null;
  }

  /**
   * The final outcome, made when the transaction commits; ignored for a message already finished (a late outcome
   * never overwrites the first) or erased.
   */
  Void recordOutcome(OutcomeRecord outcome) {
    hold(new Finish(outcome));
    return null;
  }

  /** The reply delivered or given up: made when the transaction commits, folded into an outcome just before it. */
  Void markReply(String processId, ReplyState state, long at) {
    hold(new ReplyMark(processId, state, at));
    return null;
  }

  private void hold(Lifecycle write) {
    lifecycle.computeIfAbsent(write.processId(), ignored -> new ArrayList<>(3)).add(write);
  }

  /**
   * Makes the transaction's lifecycle writes, each message's folded where the result is the same as making them one by
   * one: a start superseded by a later start is skipped; a start just before the outcome, and a reply mark just after
   * it, go into the outcome's statement. Different messages' writes touch different rows, so their order is free.
   */
  private void writeLifecycle() throws SQLException {
    if (lifecycle.isEmpty()) {
      return;
    }
    for (List<Lifecycle> writes : lifecycle.values()) {
      for (int i = 0; i < writes.size(); i++) {
        Lifecycle write = writes.get(i);
        Lifecycle next = i + 1 < writes.size() ? writes.get(i + 1) : null;
        switch (write) {
          case Start start when next instanceof Start -> {
            // superseded: the later start sets the same columns, under the same condition
          }
          case Start start when next instanceof Finish finish -> {
            ReplyMark mark = i + 2 < writes.size() && writes.get(i + 2) instanceof ReplyMark m ? m : null;
            finish(finish.outcome(), start, mark);
            i += mark == null ? 1 : 2;
          }
          case Start start -> writeStart(start);
          case Finish finish -> {
            ReplyMark mark = next instanceof ReplyMark m ? m : null;
            finish(finish.outcome(), null, mark);
            i += mark == null ? 0 : 1;
          }
          case ReplyMark mark -> writeReplyMark(mark);
        }
      }
    }
    lifecycle.clear();
  }

  private void writeStart(Start start) throws SQLException {
    lifecycleStatements++;
    sql.markStarted.setInt(1, start.attempt());
    sql.markStarted.setLong(2, start.leaseToken());
    sql.markStarted.setLong(3, start.startedAt());
    sql.markStarted.setString(4, start.processId());
    sql.markStarted.executeUpdate();
  }

  /** The outcome, with the start before it and the reply mark after it when given (either may be {@code null}). */
  private void finish(OutcomeRecord outcome, Start start, ReplyMark mark) throws SQLException {
    PreparedStatement update = sql.recordOutcome;
    if (start == null) {
      update.setNull(1, Types.INTEGER);
      update.setNull(2, Types.INTEGER);
      update.setNull(3, Types.INTEGER);
    } else {
      update.setInt(1, start.attempt());
      update.setLong(2, start.leaseToken());
      update.setLong(3, start.startedAt());
    }
    update.setString(4, outcome.outcome());
    setNullable(update, 5, outcome.reply());
    // No reply: the mark would find no pending reply and change nothing, as it would one statement later.
    boolean marked = mark != null && outcome.reply() != null;
    update.setString(6, (outcome.reply() == null ? ReplyState.NONE
      : marked ? mark.state() : ReplyState.PENDING).label());
    setNullable(update, 7, outcome.error());
    update.setLong(8, outcome.finishedAt());
    if (marked) {
      update.setLong(9, mark.at());
    } else {
      update.setNull(9, Types.INTEGER);
    }
    update.setString(10, outcome.processId());
    lifecycleStatements++;
    if (update.executeUpdate() == 1) {
      if (outcome.forgetDedupKey()) {
        forgetKey(outcome.processId());
      }
    } else if (mark != null) {
      writeReplyMark(mark); // the message had finished already: the mark is for that earlier outcome's reply
    }
  }

  /** dropOldest: the message's key may be redelivered (unless a later message has taken it over). */
  private void forgetKey(String processId) throws SQLException {
    DedupIndex.Key key = null;
    sql.keyOf.setString(1, processId);
    try (ResultSet row = sql.keyOf.executeQuery()) {
      if (row.next() && row.getString(3) != null) {
        key = new DedupIndex.Key(row.getString(1), row.getString(2), row.getString(3));
      }
    }
    if (key != null) {
      dedup.forget(key, processId);
      sql.forgetKey.setString(1, processId);
      sql.forgetKey.executeUpdate();
    }
  }

  private void writeReplyMark(ReplyMark mark) throws SQLException {
    lifecycleStatements++;
    sql.markReply.setString(1, mark.state().label());
    sql.markReply.setLong(2, mark.at());
    sql.markReply.setString(3, mark.processId());
    sql.markReply.executeUpdate();
  }

  /**
   * Deletes up to {@code maxRows} finished messages (their keys went out of the dedup index when the window passed),
   * then gives the freed pages back to the
   * file system ({@code auto_vacuum=INCREMENTAL}: the file stops growing, and shrinks after a peak).
   */
  int purge(long finishedBefore, int maxRows) throws SQLException {
    sql.purgeMessages.setLong(1, finishedBefore);
    sql.purgeMessages.setInt(2, maxRows);
    int purged = sql.purgeMessages.executeUpdate();
    dedup.purge(finishedBefore);
    // The pragma frees one page per step: executeUpdate steps it to the end (execute would stop after one page).
    sql.plain.executeUpdate("PRAGMA incremental_vacuum");
    return purged;
  }

  Void pause(ContactPause pause) throws SQLException {
    sql.pause.setString(1, pause.account());
    sql.pause.setString(2, pause.contactId());
    sql.pause.setLong(3, pause.pausedAt());
    sql.pause.setLong(4, pause.until());
    sql.pause.setString(5, pause.by());
    setNullable(sql.pause, 6, pause.reason());
    sql.pause.executeUpdate();
    return null;
  }

  Void resume(String account, String contactId) throws SQLException {
    sql.resume.setString(1, account);
    sql.resume.setString(2, contactId);
    sql.resume.executeUpdate();
    return null;
  }

  boolean deleteDeadLetter(String processId) throws SQLException {
    sql.deleteDeadLetter.setString(1, processId);
    return sql.deleteDeadLetter.executeUpdate() > 0;
  }

  JsonObject eraseContact(String account, String contactId) throws SQLException {
    sql.eraseMessages.setString(1, account);
    sql.eraseMessages.setString(2, contactId);
    int messages = sql.eraseMessages.executeUpdate();
    int keys = dedup.forgetConversation(account, contactId);
    return new JsonObject().put("account", account).put("contactId", contactId).put("messages", messages)
      .put("keys", keys);
  }

  /**
   * Health: the file takes a committed write; with {@code checkRoom} (after a failed write) it must also have room
   * for {@value #PROBE_HEADROOM_BYTES} bytes. The room check writes ~40 KB to the WAL, so a healthy probe skips it.
   */
  Void probe(long now, boolean checkRoom) throws SQLException {
    sql.probeHeartbeat.setLong(1, now);
    sql.probeHeartbeat.executeUpdate();
    if (checkRoom) {
      sql.probeHeadroom.setLong(1, now);
      sql.probeHeadroom.executeUpdate();
      sql.probeRelease.executeUpdate();
    }
    return null;
  }

  long lifecycleStatements() {
    return lifecycleStatements;
  }

  /** A pragma's value on the writer's connection (tests: settings that are per connection, like synchronous). */
  String pragma(String name) throws SQLException {
    return SqliteFiles.pragma(sql.plain, "PRAGMA " + name);
  }

  /** Caps the file at {@code pages} pages (at least its current size): how tests simulate a full disk. */
  long limitPages(long pages) throws SQLException {
    return Long.parseLong(SqliteFiles.pragma(sql.plain, "PRAGMA max_page_count = " + pages));
  }

  private static void setNullable(PreparedStatement statement, int index, String value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.VARCHAR);
    } else {
      statement.setString(index, value);
    }
  }

  @Override
  public void close() {
    sql.close();
    SqliteFiles.closeQuietly(connection);
  }
}
