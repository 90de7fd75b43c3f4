package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The PostgreSQL journal's statements, each one {@link PgWriter.Step}: every step sends all of its SQL at once (one
 * statement, or independent ones), so that the steps of a batch pipeline in order. Table names are qualified with
 * the journal's schema (a validated plain identifier), so nothing depends on the connection's search_path.
 */
final class PgStatements {

  private static final String COLUMNS = "sequence, process_id, account, contact_id, dedup_key, message, accepted_at,"
    + " attempts, lease_token, started_at, outcome, error, reply, reply_state, finished_at, reply_at, dead_at,"
    + " replay_of";

  private final String appendWithKey;
  private final String appendWithoutKey;
  private final String markStarted;
  private final String recordOutcome;
  private final String markReply;
  private final String unfinished;
  private final String pendingReplies;
  private final String purge;
  private final String deadLetters;
  private final String find;
  private final String deleteDeadLetter;
  private final String conversationMessages;
  private final String conversationKeys;
  private final String erase;

  PgStatements(String schema) {
    String messages = schema + ".messages";
    String keys = schema + ".dedup_keys";
    String insertMessage = "INSERT INTO " + messages
      + " (process_id, account, contact_id, dedup_key, message, accepted_at, attempts, replay_of)";
    // The key is taken, or taken over when older than the window, in the same statement as the message: the row
    // count says which (1 appended, 0 duplicate), with no read-then-write race even between nodes.
    appendWithKey = "WITH key AS (INSERT INTO " + keys + " AS d (account, contact_id, dedup_key, taken_at, process_id)"
      + " VALUES ($2::text, $3::text, $4::text, $6::bigint, $1::text)"
      + " ON CONFLICT (account, contact_id, dedup_key) DO UPDATE SET taken_at = EXCLUDED.taken_at,"
      + " process_id = EXCLUDED.process_id WHERE d.taken_at < $9::bigint RETURNING 1) "
      + insertMessage + " SELECT $1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::bigint, $7::integer,"
      + " $8::text FROM key";
    appendWithoutKey = insertMessage + " VALUES ($1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::bigint,"
      + " $7::integer, $8::text)";
    // Writes apply in call order (one writer), so the count is what the shard said last: a start the agent never
    // saw (its circuit was open) is taken back by recording the attempt before it. Finished messages keep theirs.
    markStarted = "UPDATE " + messages + " SET attempts = $2, lease_token = $3, started_at = $4"
      + " WHERE process_id = $1 AND outcome IS NULL";
    recordOutcome = "WITH m AS (UPDATE " + messages + " SET outcome = $2::text, reply = $3::text, error = $4::text,"
      + " finished_at = $5::bigint, reply_state = CASE WHEN $3::text IS NULL THEN 'none' ELSE 'pending' END,"
      + " dead_at = CASE WHEN $6::boolean THEN $5::bigint END"
      + " WHERE process_id = $1::text AND outcome IS NULL RETURNING account, contact_id, dedup_key)"
      + " DELETE FROM " + keys + " d USING m WHERE $7::boolean AND d.account = m.account"
      + " AND d.contact_id = m.contact_id AND d.dedup_key = m.dedup_key AND d.process_id = $1::text";
    markReply = "UPDATE " + messages + " SET reply_state = $2::text, reply_at = $3::bigint,"
      + " dead_at = CASE WHEN $2::text = 'failed' THEN $3::bigint ELSE dead_at END WHERE process_id = $1::text"
      + " AND reply_state = 'pending'";
    unfinished = "SELECT " + COLUMNS + " FROM " + messages + " WHERE outcome IS NULL ORDER BY sequence";
    pendingReplies = "SELECT " + COLUMNS + " FROM " + messages + " WHERE reply_state = 'pending' ORDER BY sequence";
    purge = "WITH gone AS (DELETE FROM " + messages + " WHERE sequence IN (SELECT sequence FROM " + messages
      + " WHERE outcome IS NOT NULL AND reply_state <> 'pending' AND finished_at < $1 ORDER BY finished_at LIMIT $2)"
      + " RETURNING 1), old_keys AS (DELETE FROM " + keys + " WHERE ctid IN (SELECT ctid FROM " + keys
      + " WHERE taken_at < $1 LIMIT $2) RETURNING 1)"
      + " SELECT (SELECT count(*) FROM gone)::integer, (SELECT count(*) FROM old_keys)::integer";
    deadLetters = "SELECT " + COLUMNS + " FROM " + messages
      + " WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, sequence DESC LIMIT $1 OFFSET $2";
    find = "SELECT " + COLUMNS + " FROM " + messages + " WHERE process_id = $1";
    deleteDeadLetter = "DELETE FROM " + messages + " WHERE process_id = $1 AND dead_at IS NOT NULL";
    conversationMessages = "SELECT " + COLUMNS + " FROM " + messages
      + " WHERE account = $1 AND contact_id = $2 ORDER BY sequence";
    conversationKeys = "SELECT dedup_key FROM " + keys
      + " WHERE account = $1 AND contact_id = $2 ORDER BY taken_at, dedup_key";
    erase = "WITH m AS (DELETE FROM " + messages + " WHERE account = $1 AND contact_id = $2 RETURNING 1),"
      + " k AS (DELETE FROM " + keys + " WHERE account = $1 AND contact_id = $2 RETURNING 1)"
      + " SELECT (SELECT count(*) FROM m)::integer, (SELECT count(*) FROM k)::integer";
  }

  PgWriter.Step<AppendResult> append(JournalEntry entry, long dedupSince) {
    List<Object> values = new ArrayList<>(Arrays.asList(entry.processId(), entry.account(), entry.contactId(),
      entry.dedupKey(), entry.message(), entry.acceptedAt(), entry.attempts(), entry.replayOf()));
    if (entry.dedupKey() == null) {
      return conn -> conn.preparedQuery(appendWithoutKey).execute(Tuple.from(values)).map(rows -> AppendResult.APPENDED);
    }
    values.add(dedupSince);
    return conn -> conn.preparedQuery(appendWithKey).execute(Tuple.from(values))
      .map(rows -> rows.rowCount() == 1 ? AppendResult.APPENDED : AppendResult.DUPLICATE);
  }

  PgWriter.Step<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt) {
    return conn -> conn.preparedQuery(markStarted).execute(Tuple.of(processId, attempt, leaseToken, startedAt))
      .mapEmpty();
  }

  PgWriter.Step<Void> recordOutcome(OutcomeRecord outcome) {
    Tuple values = Tuple.from(Arrays.asList(outcome.processId(), outcome.outcome(), outcome.reply(), outcome.error(),
      outcome.finishedAt(), outcome.deadLettered(), outcome.forgetDedupKey()));
    return conn -> conn.preparedQuery(recordOutcome).execute(values).mapEmpty();
  }

  PgWriter.Step<Void> markReply(String processId, ReplyState state, long at) {
    return conn -> conn.preparedQuery(markReply).execute(Tuple.of(processId, state.label(), at)).mapEmpty();
  }

  PgWriter.Step<Recovery> recover() {
    return conn -> {
      Future<RowSet<Row>> messages = conn.preparedQuery(unfinished).execute();
      Future<RowSet<Row>> replies = conn.preparedQuery(pendingReplies).execute();
      return Future.all(messages, replies).map(both -> {
        List<JournalEntry> entries = new ArrayList<>();
        messages.result().forEach(row -> entries.add(entry(row)));
        List<Recovery.PendingReply> pending = new ArrayList<>();
        replies.result().forEach(row -> pending.add(new Recovery.PendingReply(row.getLong("sequence"),
          row.getString("process_id"), row.getString("account"), row.getString("contact_id"),
          row.getString("reply"), row.getString("outcome"))));
        return new Recovery(entries, pending);
      });
    };
  }

  PgWriter.Step<Integer> purge(long finishedBefore, int maxRows) {
    return conn -> conn.preparedQuery(purge).execute(Tuple.of(finishedBefore, maxRows))
      .map(rows -> rows.iterator().next().getInteger(0));
  }

  PgWriter.Step<List<JsonObject>> deadLetters(int limit, int offset) {
    return conn -> conn.preparedQuery(deadLetters).execute(Tuple.of(limit, offset)).map(PgStatements::toJsonList);
  }

  PgWriter.Step<JsonObject> find(String processId) {
    return conn -> conn.preparedQuery(find).execute(Tuple.of(processId)).map(rows -> {
      List<JsonObject> found = toJsonList(rows);
      return found.isEmpty() ? null : found.get(0);
    });
  }

  PgWriter.Step<Boolean> deleteDeadLetter(String processId) {
    return conn -> conn.preparedQuery(deleteDeadLetter).execute(Tuple.of(processId)).map(rows -> rows.rowCount() > 0);
  }

  PgWriter.Step<JsonObject> exportContact(String account, String contactId) {
    return conn -> {
      Future<RowSet<Row>> messages = conn.preparedQuery(conversationMessages).execute(Tuple.of(account, contactId));
      Future<RowSet<Row>> keys = conn.preparedQuery(conversationKeys).execute(Tuple.of(account, contactId));
      return Future.all(messages, keys).map(both -> {
        JsonArray keyList = new JsonArray();
        keys.result().forEach(row -> keyList.add(row.getString("dedup_key")));
        return new JsonObject().put("account", account).put("contactId", contactId)
          .put("messages", new JsonArray(new ArrayList<>(toJsonList(messages.result())))).put("keys", keyList);
      });
    };
  }

  PgWriter.Step<JsonObject> eraseContact(String account, String contactId) {
    return conn -> conn.preparedQuery(erase).execute(Tuple.of(account, contactId)).map(rows -> {
      Row counts = rows.iterator().next();
      return new JsonObject().put("messages", counts.getInteger(0)).put("keys", counts.getInteger(1));
    });
  }

  private static JournalEntry entry(Row row) {
    return new JournalEntry(row.getLong("sequence"), row.getString("process_id"), row.getString("account"),
      row.getString("contact_id"), row.getString("dedup_key"), row.getJsonObject("message"),
      row.getLong("accepted_at"), row.getInteger("attempts"), row.getString("replay_of"));
  }

  private static List<JsonObject> toJsonList(RowSet<Row> rows) {
    List<JsonObject> list = new ArrayList<>(rows.size());
    for (Row row : rows) {
      list.add(toJson(row));
    }
    return list;
  }

  /** A message as the admin API and the export show it (null fields left out). */
  static JsonObject toJson(Row row) {
    JsonObject json = JournalRecords.toJson(entry(row), row.getString("outcome"), row.getString("error"),
        row.getString("reply"), row.getString("reply_state"), row.getLong("finished_at"))
      .put("leaseToken", row.getLong("lease_token"))
      .put("startedAt", row.getLong("started_at"))
      .put("replyAt", row.getLong("reply_at"))
      .put("deadLetteredAt", row.getLong("dead_at"));
    json.fieldNames().removeIf(name -> json.getValue(name) == null);
    return json;
  }
}
