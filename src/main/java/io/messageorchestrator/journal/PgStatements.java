package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntBiFunction;

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
  private final String pause;
  private final String resume;
  private final String pauses;

  // Cluster mode: a shard's writes, each guarded in its own statement by the owner's epoch (see the guard below).
  private final String shardAppendWithKey;
  private final String shardAppendWithoutKey;
  private final String shardMarkStarted;
  private final String shardRecordOutcome;
  private final String shardMarkReply;
  private final String shardDeleteDeadLetter;
  private final String shardErase;
  private final String shardPause;
  private final String shardResume;
  private final String shardPauses;
  private final String unshardedPauses;
  private final String assignPauseShards;
  private final String shardOwned;
  private final String shardUnfinished;
  private final String shardPendingReplies;
  private final String acquireShard;
  private final String releaseShard;
  private final String unshardedConversations;
  private final String assignShards;

  PgStatements(String schema) {
    String messages = schema + ".messages";
    String keys = schema + ".dedup_keys";
    // Each row says the format it was written in (JournalEntry.FORMAT: a constant of the build, written as a literal);
    // a node of an older version leaves the column to its default, 1.
    String insertMessage = "INSERT INTO " + messages
      + " (format, process_id, account, contact_id, dedup_key, message, accepted_at, attempts, replay_of)";
    String format = JournalEntry.FORMAT + ", ";
    // The key is taken, or taken over when older than the window, in the same statement as the message: the row
    // count says which (1 appended, 0 duplicate), with no read-then-write race even between nodes.
    appendWithKey = "WITH key AS (INSERT INTO " + keys + " AS d (account, contact_id, dedup_key, taken_at, process_id)"
      + " VALUES ($2::text, $3::text, $4::text, $6::bigint, $1::text)"
      + " ON CONFLICT (account, contact_id, dedup_key) DO UPDATE SET taken_at = EXCLUDED.taken_at,"
      + " process_id = EXCLUDED.process_id WHERE d.taken_at < $9::bigint RETURNING 1) "
      + insertMessage + " SELECT " + format + "$1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::bigint,"
      + " $7::integer, $8::text FROM key";
    appendWithoutKey = insertMessage + " VALUES (" + format + "$1::text, $2::text, $3::text, $4::text, $5::jsonb,"
      + " $6::bigint, $7::integer, $8::text)";
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

    String pausesTable = schema + ".contact_pauses";
    String insertPause = "INSERT INTO " + pausesTable
      + " AS p (account, contact_id, paused_at, paused_until, paused_by, reason, shard)";
    String replacePause = " ON CONFLICT (account, contact_id) DO UPDATE SET paused_at = EXCLUDED.paused_at,"
      + " paused_until = EXCLUDED.paused_until, paused_by = EXCLUDED.paused_by, reason = EXCLUDED.reason,"
      + " shard = EXCLUDED.shard";
    pause = insertPause + " VALUES ($1::text, $2::text, $3::bigint, $4::bigint, $5::text, $6::text, NULL)"
      + replacePause;
    resume = "DELETE FROM " + pausesTable + " WHERE account = $1 AND contact_id = $2";
    pauses = "SELECT account, contact_id, paused_at, paused_until, paused_by, reason FROM " + pausesTable;

    String owners = schema + ".shard_owners";
    // The newest acquirer wins: one statement inserts epoch 1 or increments, under the row's lock, so concurrent
    // acquires get distinct, increasing epochs. It waits for the transactions that hold the row FOR SHARE (a
    // previous owner's writes in flight): once it returns, every write of an older epoch is committed or refused.
    acquireShard = "INSERT INTO " + owners + " AS o (shard, epoch, owner, acquired_at) VALUES ($1, 1, $2, $3)"
      + " ON CONFLICT (shard) DO UPDATE SET epoch = o.epoch + 1, owner = EXCLUDED.owner,"
      + " acquired_at = EXCLUDED.acquired_at, released_at = NULL RETURNING epoch";
    releaseShard = "UPDATE " + owners + " SET released_at = $3 WHERE shard = $1 AND epoch = $2 AND released_at IS NULL";
    // The guard: the shard's row, only if it still has this epoch and is not released, locked FOR SHARE until the
    // transaction ends, so that no acquire can commit between the check and the write's commit (an acquire waits,
    // then the new owner's recovery sees the write). Read again after a concurrent acquire (READ COMMITTED re-checks
    // a locked row's newest version), so a write that waited on an acquire is refused. Materialized: evaluated once
    // per statement, however often the statement reads it. Shard and epoch are the statement's last two parameters.
    String guard = "WITH owner AS MATERIALIZED (SELECT 1 FROM " + owners + " WHERE shard = $%1$d::integer"
      + " AND epoch = $%2$d::bigint AND released_at IS NULL FOR SHARE)";
    String owned = " EXISTS (SELECT 1 FROM owner)";
    shardAppendWithKey = guard.formatted(10, 11)
      + ", key AS (INSERT INTO " + keys + " AS d (account, contact_id, dedup_key, taken_at, process_id)"
      + " SELECT $2::text, $3::text, $4::text, $6::bigint, $1::text WHERE" + owned
      + " ON CONFLICT (account, contact_id, dedup_key) DO UPDATE SET taken_at = EXCLUDED.taken_at,"
      + " process_id = EXCLUDED.process_id WHERE d.taken_at < $9::bigint RETURNING 1),"
      + " m AS (" + insertMessage.replace(" replay_of)", " replay_of, shard)")
      + " SELECT " + format + "$1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::bigint, $7::integer, $8::text,"
      + " $10::integer FROM key RETURNING 1) SELECT" + owned + ", EXISTS (SELECT 1 FROM m)";
    shardAppendWithoutKey = guard.formatted(9, 10)
      + ", m AS (" + insertMessage.replace(" replay_of)", " replay_of, shard)")
      + " SELECT " + format + "$1::text, $2::text, $3::text, $4::text, $5::jsonb, $6::bigint, $7::integer, $8::text,"
      + " $9::integer WHERE" + owned + " RETURNING 1) SELECT" + owned;
    shardMarkStarted = guard.formatted(5, 6) + ", m AS (UPDATE " + messages
      + " SET attempts = $2::integer, lease_token = $3::bigint, started_at = $4::bigint WHERE process_id = $1::text"
      + " AND shard = $5::integer AND outcome IS NULL AND" + owned + " RETURNING 1) SELECT" + owned;
    shardRecordOutcome = guard.formatted(8, 9) + ", m AS (UPDATE " + messages
      + " SET outcome = $2::text, reply = $3::text, error = $4::text, finished_at = $5::bigint,"
      + " reply_state = CASE WHEN $3::text IS NULL THEN 'none' ELSE 'pending' END,"
      + " dead_at = CASE WHEN $6::boolean THEN $5::bigint END WHERE process_id = $1::text AND shard = $8::integer"
      + " AND outcome IS NULL AND" + owned + " RETURNING account, contact_id, dedup_key),"
      + " k AS (DELETE FROM " + keys + " d USING m WHERE $7::boolean AND d.account = m.account"
      + " AND d.contact_id = m.contact_id AND d.dedup_key = m.dedup_key AND d.process_id = $1::text RETURNING 1)"
      + " SELECT" + owned;
    shardMarkReply = guard.formatted(4, 5) + ", m AS (UPDATE " + messages
      + " SET reply_state = $2::text, reply_at = $3::bigint,"
      + " dead_at = CASE WHEN $2::text = 'failed' THEN $3::bigint ELSE dead_at END WHERE process_id = $1::text"
      + " AND shard = $4::integer AND reply_state = 'pending' AND" + owned + " RETURNING 1) SELECT" + owned;
    shardDeleteDeadLetter = guard.formatted(2, 3) + ", d AS (DELETE FROM " + messages
      + " WHERE process_id = $1::text AND shard = $2::integer AND dead_at IS NOT NULL AND" + owned
      + " RETURNING 1) SELECT" + owned + ", EXISTS (SELECT 1 FROM d)";
    // A conversation lives in one shard: its rows of any shard (older ones have none) are erased, by the owner only.
    shardErase = guard.formatted(3, 4) + ", m AS (DELETE FROM " + messages
      + " WHERE account = $1::text AND contact_id = $2::text AND" + owned + " RETURNING 1),"
      + " k AS (DELETE FROM " + keys + " WHERE account = $1::text AND contact_id = $2::text AND" + owned
      + " RETURNING 1) SELECT" + owned + ", (SELECT count(*) FROM m)::integer, (SELECT count(*) FROM k)::integer";
    shardOwned = guard.formatted(1, 2) + " SELECT" + owned;
    shardPause = guard.formatted(7, 8) + ", m AS (" + insertPause
      + " SELECT $1::text, $2::text, $3::bigint, $4::bigint, $5::text, $6::text, $7::integer WHERE" + owned
      + replacePause + " RETURNING 1) SELECT" + owned;
    shardResume = guard.formatted(3, 4) + ", m AS (DELETE FROM " + pausesTable
      + " WHERE account = $1::text AND contact_id = $2::text AND" + owned + " RETURNING 1) SELECT" + owned;
    shardPauses = pauses + " WHERE shard = $1";
    unshardedPauses = "SELECT account, contact_id FROM " + pausesTable + " WHERE shard IS NULL";
    assignPauseShards = "UPDATE " + pausesTable + " p SET shard = v.shard FROM unnest($1::text[], $2::text[],"
      + " $3::integer[]) AS v(account, contact_id, shard) WHERE p.account = v.account AND p.contact_id = v.contact_id"
      + " AND p.shard IS NULL";
    // Conversations left by single-node mode with something to recover (through the two partial indexes).
    unshardedConversations = "SELECT account, contact_id FROM " + messages + " WHERE outcome IS NULL AND shard IS NULL"
      + " UNION SELECT account, contact_id FROM " + messages + " WHERE reply_state = 'pending' AND shard IS NULL";
    assignShards = "UPDATE " + messages + " m SET shard = v.shard FROM unnest($1::text[], $2::text[], $3::integer[])"
      + " AS v(account, contact_id, shard) WHERE m.account = v.account AND m.contact_id = v.contact_id"
      + " AND m.shard IS NULL";
    shardUnfinished = "SELECT " + COLUMNS + " FROM " + messages
      + " WHERE shard = $1 AND outcome IS NULL ORDER BY sequence";
    shardPendingReplies = "SELECT " + COLUMNS + " FROM " + messages
      + " WHERE shard = $1 AND reply_state = 'pending' ORDER BY sequence";
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
      Future<RowSet<Row>> paused = conn.preparedQuery(pauses).execute();
      return Future.all(messages, replies, paused)
        .map(all -> recovery(messages.result(), replies.result(), paused.result()));
    };
  }

  PgWriter.Step<Void> pause(ContactPause pause) {
    Tuple values = Tuple.from(Arrays.asList(pause.account(), pause.contactId(), pause.pausedAt(), pause.until(),
      pause.by(), pause.reason()));
    return conn -> conn.preparedQuery(this.pause).execute(values).mapEmpty();
  }

  PgWriter.Step<Void> resume(String account, String contactId) {
    return conn -> conn.preparedQuery(resume).execute(Tuple.of(account, contactId)).mapEmpty();
  }

  PgWriter.Step<Void> pause(ContactPause pause, int shard, long epoch) {
    Tuple values = Tuple.from(Arrays.asList(pause.account(), pause.contactId(), pause.pausedAt(), pause.until(),
      pause.by(), pause.reason(), shard, epoch));
    return conn -> conn.preparedQuery(shardPause).execute(values).compose(rows -> owned(rows, shard, epoch))
      .mapEmpty();
  }

  PgWriter.Step<Void> resume(String account, String contactId, int shard, long epoch) {
    return conn -> conn.preparedQuery(shardResume).execute(Tuple.of(account, contactId, shard, epoch))
      .compose(rows -> owned(rows, shard, epoch)).mapEmpty();
  }

  private static Recovery recovery(RowSet<Row> messages, RowSet<Row> replies, RowSet<Row> paused) {
    List<ContactPause> pauseList = new ArrayList<>();
    paused.forEach(row -> pauseList.add(new ContactPause(row.getString("account"), row.getString("contact_id"),
      row.getLong("paused_at"), row.getLong("paused_until"), row.getString("paused_by"), row.getString("reason"))));
    Recovery work = recovery(messages, replies);
    return new Recovery(work.unfinished(), work.replies(), pauseList);
  }

  private static Recovery recovery(RowSet<Row> messages, RowSet<Row> replies) {
    List<JournalEntry> entries = new ArrayList<>();
    messages.forEach(row -> entries.add(entry(row)));
    List<Recovery.PendingReply> pending = new ArrayList<>();
    replies.forEach(row -> pending.add(new Recovery.PendingReply(row.getLong("sequence"),
      row.getString("process_id"), row.getString("account"), row.getString("contact_id"),
      row.getString("reply"), row.getString("outcome"))));
    return new Recovery(entries, pending);
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

  // Cluster mode: shard ownership and a shard's guarded writes. Each guarded statement answers, in its first column,
  // whether the epoch was still current: if not it changed nothing, and the step fails with ShardFencedException —
  // a refusal that leaves the transaction healthy, so the other operations of its group still commit (PgWriter).

  /** Run on a pooled connection of its own, never in a group: it may wait for an older owner's writes in flight. */
  Future<Long> acquireShard(SqlClient client, int shard, String nodeId, long now) {
    return client.preparedQuery(acquireShard).execute(Tuple.of(shard, nodeId, now))
      .map(rows -> rows.iterator().next().getLong(0));
  }

  /**
   * Gives the messages of single-node mode that still need work a shard ({@code shardOf(account, contactId)}), with
   * every row of their conversations; answers how many rows. The caller holds the transaction and its lock.
   */
  Future<Integer> adoptUnsharded(SqlConnection conn, ToIntBiFunction<String, String> shardOf) {
    return adopt(conn, unshardedConversations, assignShards, shardOf)
      .compose(messageRows -> adopt(conn, unshardedPauses, assignPauseShards, shardOf).map(messageRows));
  }

  /** Gives the rows {@code select} lists (account, contact_id) their shard with {@code assign}; answers how many. */
  private static Future<Integer> adopt(SqlConnection conn, String select, String assign,
                                       ToIntBiFunction<String, String> shardOf) {
    return conn.preparedQuery(select).execute().compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(0);
      }
      String[] accounts = new String[rows.size()];
      String[] contacts = new String[rows.size()];
      Integer[] shards = new Integer[rows.size()];
      int i = 0;
      for (Row row : rows) {
        accounts[i] = row.getString(0);
        contacts[i] = row.getString(1);
        shards[i] = shardOf.applyAsInt(accounts[i], contacts[i]);
        i++;
      }
      return conn.preparedQuery(assign).execute(Tuple.of(accounts, contacts, shards)).map(RowSet::rowCount);
    });
  }

  PgWriter.Step<Boolean> releaseShard(int shard, long epoch, long now) {
    return conn -> conn.preparedQuery(releaseShard).execute(Tuple.of(shard, epoch, now))
      .map(rows -> rows.rowCount() > 0);
  }

  PgWriter.Step<AppendResult> append(JournalEntry entry, long dedupSince, int shard, long epoch) {
    List<Object> values = new ArrayList<>(Arrays.asList(entry.processId(), entry.account(), entry.contactId(),
      entry.dedupKey(), entry.message(), entry.acceptedAt(), entry.attempts(), entry.replayOf()));
    if (entry.dedupKey() == null) {
      values.add(shard);
      values.add(epoch);
      return conn -> conn.preparedQuery(shardAppendWithoutKey).execute(Tuple.from(values))
        .compose(rows -> owned(rows, shard, epoch)).map(row -> AppendResult.APPENDED);
    }
    values.add(dedupSince);
    values.add(shard);
    values.add(epoch);
    return conn -> conn.preparedQuery(shardAppendWithKey).execute(Tuple.from(values))
      .compose(rows -> owned(rows, shard, epoch))
      .map(row -> row.getBoolean(1) ? AppendResult.APPENDED : AppendResult.DUPLICATE);
  }

  PgWriter.Step<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt, int shard,
                                  long epoch) {
    Tuple values = Tuple.of(processId, attempt, leaseToken, startedAt, shard, epoch);
    return conn -> conn.preparedQuery(shardMarkStarted).execute(values).compose(rows -> owned(rows, shard, epoch))
      .mapEmpty();
  }

  PgWriter.Step<Void> recordOutcome(OutcomeRecord outcome, int shard, long epoch) {
    Tuple values = Tuple.from(Arrays.asList(outcome.processId(), outcome.outcome(), outcome.reply(), outcome.error(),
      outcome.finishedAt(), outcome.deadLettered(), outcome.forgetDedupKey(), shard, epoch));
    return conn -> conn.preparedQuery(shardRecordOutcome).execute(values).compose(rows -> owned(rows, shard, epoch))
      .mapEmpty();
  }

  PgWriter.Step<Void> markReply(String processId, ReplyState state, long at, int shard, long epoch) {
    Tuple values = Tuple.of(processId, state.label(), at, shard, epoch);
    return conn -> conn.preparedQuery(shardMarkReply).execute(values).compose(rows -> owned(rows, shard, epoch))
      .mapEmpty();
  }

  PgWriter.Step<Boolean> deleteDeadLetter(String processId, int shard, long epoch) {
    return conn -> conn.preparedQuery(shardDeleteDeadLetter).execute(Tuple.of(processId, shard, epoch))
      .compose(rows -> owned(rows, shard, epoch)).map(row -> row.getBoolean(1));
  }

  PgWriter.Step<JsonObject> eraseContact(String account, String contactId, int shard, long epoch) {
    return conn -> conn.preparedQuery(shardErase).execute(Tuple.of(account, contactId, shard, epoch))
      .compose(rows -> owned(rows, shard, epoch))
      .map(row -> new JsonObject().put("messages", row.getInteger(1)).put("keys", row.getInteger(2)));
  }

  /** The shard's unfinished messages and pending replies, after checking (and locking) that the epoch is current. */
  PgWriter.Step<Recovery> recover(int shard, long epoch) {
    return conn -> {
      Future<Row> guard = conn.preparedQuery(shardOwned).execute(Tuple.of(shard, epoch))
        .compose(rows -> owned(rows, shard, epoch));
      Future<RowSet<Row>> messages = conn.preparedQuery(shardUnfinished).execute(Tuple.of(shard));
      Future<RowSet<Row>> replies = conn.preparedQuery(shardPendingReplies).execute(Tuple.of(shard));
      Future<RowSet<Row>> paused = conn.preparedQuery(shardPauses).execute(Tuple.of(shard));
      return Future.all(guard, messages, replies, paused)
        .map(all -> recovery(messages.result(), replies.result(), paused.result()));
    };
  }

  /** The guarded statement's one row, or {@link ShardFencedException} when its first column says the epoch is stale. */
  private static Future<Row> owned(RowSet<Row> rows, int shard, long epoch) {
    Row row = rows.iterator().next();
    return row.getBoolean(0) ? Future.succeededFuture(row)
      : Future.failedFuture(new ShardFencedException(shard, epoch));
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
