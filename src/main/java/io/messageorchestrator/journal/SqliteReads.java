package io.messageorchestrator.journal;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.HistoryEntry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The journal's reads (recovery, dead letters, find, export) on a connection of their own, run by one platform
 * thread of their own: a long export never delays the writer, and no event loop waits on JDBC. In WAL mode a read
 * sees every commit made before it began. Reads are bounded too: a full queue is rejected at once.
 */
final class SqliteReads {
  /** Read by position in {@link #entry} and {@link #json}: keep the order. */
  private static final String COLUMNS = """
    sequence, process_id, account, contact_id, dedup_key, message, accepted_at, attempts, outcome, error, reply,
    reply_state, finished_at, replay_of""";
  private static final int QUEUE_CAPACITY = 1_024;

  @FunctionalInterface
  private interface Query<T> {
    T run() throws SQLException;
  }

  private final Connection connection;
  private final String database;
  private final ThreadPoolExecutor thread;
  private final Promise<Void> closed = Promise.promise();

  SqliteReads(Connection connection, String database) {
    this.connection = connection;
    this.database = database;
    this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE_CAPACITY),
      Thread.ofPlatform().name("journal-sqlite-reader").daemon(true).factory()) {
      @Override
      protected void terminated() {
        // After the last queued read: the connection is closed by the thread that used it, or by close() if none.
        SqliteFiles.closeQuietly(connection);
        closed.complete();
      }
    };
  }

  Future<Recovery> recover() {
    return read(() -> {
      List<JournalEntry> unfinished = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM messages WHERE outcome IS NULL ORDER BY sequence");
           ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          unfinished.add(entry(rows));
        }
      }
      List<Recovery.PendingReply> replies = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement("""
        SELECT sequence, process_id, account, contact_id, reply, outcome FROM messages
        WHERE reply_state = 'pending' ORDER BY sequence""");
           ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          replies.add(new Recovery.PendingReply(rows.getLong(1), rows.getString(2), rows.getString(3),
            rows.getString(4), rows.getString(5), rows.getString(6)));
        }
      }
      List<ContactPause> pauses = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement(
        "SELECT account, contact_id, paused_at, paused_until, paused_by, reason FROM contact_pauses");
           ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          pauses.add(new ContactPause(rows.getString(1), rows.getString(2), rows.getLong(3), rows.getLong(4),
            rows.getString(5), rows.getString(6)));
        }
      }
      return new Recovery(unfinished, replies, pauses);
    });
  }

  /** Newest (latest accepted) first. */
  Future<List<JsonObject>> deadLetters(int limit, int offset) {
    return read(() -> {
      try (PreparedStatement query = connection.prepareStatement("SELECT " + COLUMNS + """
         FROM messages WHERE outcome IN ('failed', 'timed_out') OR reply_state = 'failed'
        ORDER BY sequence DESC LIMIT ? OFFSET ?""")) {
        query.setInt(1, limit);
        query.setInt(2, offset);
        return rowsAsJson(query);
      }
    });
  }

  Future<JsonObject> find(String processId) {
    return read(() -> {
      try (PreparedStatement query = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM messages WHERE process_id = ?")) {
        query.setString(1, processId);
        List<JsonObject> rows = rowsAsJson(query);
        return rows.isEmpty() ? null : rows.getFirst();
      }
    });
  }

  Future<JsonObject> exportContact(String account, String contactId) {
    return read(() -> {
      JsonArray messages = new JsonArray();
      try (PreparedStatement query = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM messages WHERE account = ? AND contact_id = ? ORDER BY sequence")) {
        query.setString(1, account);
        query.setString(2, contactId);
        rowsAsJson(query).forEach(messages::add);
      }
      JsonArray keys = new JsonArray();
      for (int i = 0; i < messages.size(); i++) {
        String key = messages.getJsonObject(i).getString("dedupKey");
        if (key != null) {
          keys.add(key);
        }
      }
      return new JsonObject().put("account", account).put("contactId", contactId).put("messages", messages)
        .put("keys", keys);
    });
  }

  /**
   * V4: the newest finished messages first, in one pass (as {@link #loadDedupKeys}): a conversation is taken while
   * fewer than {@code maxConversations} are; each keeps its newest {@code perConversation} rows. The pass stops at the
   * first row accepted before {@code since}, or after {@code perConversation × maxConversations} rows (a start reads
   * a bounded number of rows whatever the table holds). Answered per conversation, oldest first.
   */
  Future<List<HistoryTurn>> recentHistory(int perConversation, int maxConversations, long since) {
    return read(() -> {
      Map<String, List<HistoryTurn>> byConversation = new LinkedHashMap<>();
      long maxRows = (long) perConversation * maxConversations;
      long read = 0;
      try (PreparedStatement query = connection.prepareStatement("""
        SELECT account, contact_id, process_id, json_extract(message, '$.text'), json_extract(message, '$.type'),
          accepted_at, reply, finished_at FROM messages WHERE outcome IS NOT NULL ORDER BY sequence DESC""");
           ResultSet rows = query.executeQuery()) {
        while (read < maxRows && rows.next() && rows.getLong(6) >= since) {
          read++;
          String account = rows.getString(1);
          String contactId = rows.getString(2);
          String key = Accounts.conversationKey(account, contactId);
          List<HistoryTurn> turns = byConversation.get(key);
          if (turns == null) {
            if (byConversation.size() >= maxConversations) {
              continue;
            }
            turns = new ArrayList<>();
            byConversation.put(key, turns);
          }
          if (turns.size() >= perConversation) {
            continue;
          }
          String processId = rows.getString(3);
          String reply = rows.getString(7);
          if (reply != null) { // newest first here: the reply before its message (reversed below)
            turns.add(new HistoryTurn(account, contactId, processId,
              new HistoryEntry(HistoryEntry.ASSISTANT, reply, rows.getLong(8))));
          }
          if (turns.size() < perConversation) {
            turns.add(new HistoryTurn(account, contactId, processId,
              new HistoryEntry(HistoryEntry.USER, HistoryEntry.userText(rows.getString(4), rows.getString(5)),
                rows.getLong(6))));
          }
        }
      }
      List<HistoryTurn> result = new ArrayList<>();
      for (List<HistoryTurn> turns : byConversation.values()) {
        result.addAll(turns.reversed());
      }
      return result;
    });
  }

  /**
   * Builds the writer's duplicate index from the rows at open (before the writer starts): the newest keyed messages
   * first, up to {@code dedupMaxEntries}, none accepted before the window (with a minute's slack for a wall clock
   * that stepped back). A key two rows share belongs to the newer one (it took the key over).
   */
  static DedupIndex loadDedupKeys(Connection connection, SqliteJournal.Dedup dedup, long now) throws SQLException {
    DedupIndex index = new DedupIndex(dedup.maxEntries());
    long oldest = dedup.window() > 0 ? now - dedup.window() - 60_000 : Long.MIN_VALUE;
    try (PreparedStatement query = connection.prepareStatement("""
      SELECT account, contact_id, dedup_key, accepted_at, process_id FROM messages
      WHERE dedup_key IS NOT NULL ORDER BY sequence DESC""")) {
      try (ResultSet rows = query.executeQuery()) {
        while (index.size() < dedup.maxEntries() && rows.next() && rows.getLong(4) >= oldest) {
          index.load(new DedupIndex.Key(rows.getString(1), rows.getString(2), rows.getString(3)),
            new DedupIndex.Taken(rows.getLong(4), rows.getString(5)));
        }
      }
    }
    index.loaded();
    return index;
  }

  private <T> Future<T> read(Query<T> query) {
    Context caller = CallerContext.capture();
    Promise<T> promise = Promise.promise();
    try {
      thread.execute(() -> {
        try {
          CallerContext.complete(caller, promise, query.run());
        } catch (SQLException | RuntimeException e) {
          CallerContext.fail(caller, promise, new JournalUnavailableException("the SQLite journal " + database
            + " cannot be read: " + SqliteFiles.describe(e), e));
        }
      });
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new JournalUnavailableException("the SQLite journal " + database
        + (thread.isShutdown() ? " is closed" : " is overloaded: " + QUEUE_CAPACITY + " reads already waiting")));
    }
    return promise.future();
  }

  private static List<JsonObject> rowsAsJson(PreparedStatement query) throws SQLException {
    List<JsonObject> result = new ArrayList<>();
    try (ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        result.add(json(rows));
      }
    }
    return result;
  }

  /** By position in {@link #COLUMNS} (recovery reads every unfinished row: no lookups by name). */
  private static JournalEntry entry(ResultSet row) throws SQLException {
    return new JournalEntry(row.getLong(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5),
      new JsonObject(row.getString(6)), row.getLong(7), row.getInt(8), row.getString(14));
  }

  /** A message as {@link Journal#find} and the others show it (the same fields for every store). */
  private static JsonObject json(ResultSet row) throws SQLException {
    JournalEntry entry = entry(row);
    long finishedAt = row.getLong(13);
    boolean unfinished = row.wasNull();
    return JournalRecords.toJson(entry, row.getString(9), row.getString(10), row.getString(11), row.getString(12),
      unfinished ? null : finishedAt);
  }

  /** Lets queued reads finish, then closes the connection. */
  Future<Void> close() {
    thread.shutdown();
    return closed.future();
  }
}
