package io.messageorchestrator.journal;

import io.messageorchestrator.core.HistoryEntry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntBiFunction;
import java.util.regex.Pattern;

/**
 * The {@code postgres} journal: the journal's tables in one schema of a PostgreSQL database, shared by every node
 * that names the same schema. Writes go through one group-commit writer ({@link PgWriter}); reads that must see
 * earlier writes (recover, find, dead letters, export) go through it too, so every operation observes the ones
 * submitted before it. Never blocks: the Vert.x PostgreSQL client is non-blocking.
 *
 * <p>Time limits: connecting and waiting for a pooled connection are bounded by {@link Limits#connectTimeoutMs}, a
 * statement by the server's {@code statement_timeout} ({@link Limits#statementTimeoutMs}), and a whole batch by a
 * client-side deadline (both plus one second), which also covers a server that stops answering altogether.
 */
public final class PostgresJournal implements Journal {

  private static final String NODE_LOCK_PREFIX = "message-orchestrator.node:";
  private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /**
   * @param queueCapacity       operations waiting for the writer; more are refused with
   *                            {@link JournalUnavailableException}
   * @param maxBatch            operations in one transaction at most
   * @param connectTimeoutMs    TCP connect, and waiting for a free pooled connection
   * @param statementTimeoutMs  the server's {@code statement_timeout} for the journal's connections
   */
  public record Limits(int queueCapacity, int maxBatch, int connectTimeoutMs, int statementTimeoutMs) {
    public static final Limits DEFAULTS = new Limits(20_000, 2_000, 5_000, 10_000);

    long batchDeadlineMs() {
      return (long) connectTimeoutMs + statementTimeoutMs + 1_000;
    }
  }

  private final Vertx vertx;
  private final String schema;
  private final Pool pool;
  private final PgWriter writer;
  private final PgStatements statements;
  private final Limits limits;
  private final String where;
  /** Holds this node's claim on the schema while the journal is open (exclusive, or shared in cluster mode). */
  private PgConnection nodeLock;

  private PostgresJournal(Vertx vertx, String schema, Pool pool, PgWriter writer, Limits limits, String where) {
    this.vertx = vertx;
    this.schema = schema;
    this.pool = pool;
    this.writer = writer;
    this.statements = new PgStatements(schema);
    this.limits = limits;
    this.where = where;
  }

  public static Future<PostgresJournal> open(Vertx vertx, JournalSettings settings) {
    return open(vertx, settings, Limits.DEFAULTS);
  }

  /**
   * Cluster mode: opens the schema shared by every node of the cluster (their claims on it are shared; a single node
   * still running on the schema refuses it, and a single node cannot start while a cluster node runs). Each
   * node writes a shard's messages only through {@link #forShard} with the epoch {@link #acquireShard} gave it, which
   * fences a node that lost the shard; the unsharded writes of this object are for single-node mode.
   */
  public static Future<PostgresJournal> openShared(Vertx vertx, JournalSettings settings) {
    return open(vertx, settings, Limits.DEFAULTS, true);
  }

  /**
   * Connects, creates the schema if missing and migrates it, then answers the journal. Fails with
   * {@link JournalUnavailableException} when the database cannot be reached (nothing is left open), and with
   * {@link IllegalArgumentException} for a schema name that is not a plain lowercase identifier.
   *
   * <p>The writer runs on the calling context ({@code vertx.getOrCreateContext()}): open it from a non-Vert.x
   * thread, or a context of its own, to keep it off the shards' event loops.
   */
  public static Future<PostgresJournal> open(Vertx vertx, JournalSettings settings, Limits limits) {
    return open(vertx, settings, limits, false);
  }

  /**
   * @param sharedSchema whether several nodes may open the schema at once: cluster mode ({@link #openShared}), whose
   *                     shard writes are fenced by ownership epochs. Otherwise a second node would recover and run the
   *                     first one's messages, so a node claims the schema (a session advisory lock held while the
   *                     journal is open) and a second one is refused at start, naming the schema. Cluster nodes take
   *                     the same lock shared: they open together, never beside a single node. A shared schema's
   *                     connections also end a transaction left idle longer than half the statement timeout
   *                     ({@code idle_in_transaction_session_timeout}): a frozen node must not hold a shard's row lock,
   *                     which the next owner's {@link #acquireShard} waits for, for ever.
   */
  static Future<PostgresJournal> open(Vertx vertx, JournalSettings settings, Limits limits, boolean sharedSchema) {
    JournalSettings.Postgres pg = settings.postgres();
    String schema = pg.schema();
    if (schema == null || !PLAIN_IDENTIFIER.matcher(schema).matches()) {
      return Future.failedFuture(new IllegalArgumentException("journal.postgres.schema must be a lowercase identifier"
        + " ([a-z_][a-z0-9_]*, at most 63 characters), not '" + schema + "'"));
    }
    PgConnectOptions connect;
    try {
      connect = connectOptions(pg, limits, sharedSchema);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("journal.postgres.uri is not a PostgreSQL URI: "
        + e.getMessage(), e));
    }
    String where = connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase() + " (schema " + schema
      + ")";
    Pool pool = PgBuilder.pool()
      .with(new PoolOptions()
        .setMaxSize(Math.max(1, pg.poolSize()))
        .setConnectionTimeout(limits.connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setIdleTimeout(60).setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxWaitQueueSize(1_000)
        .setName("journal-" + schema))
      .with(new NetClientOptions().setConnectTimeout(limits.connectTimeoutMs()).setTcpKeepAlive(true))
      .connectingTo(connect)
      .using(vertx)
      .build();
    Context context = vertx.getOrCreateContext();
    Future<PgConnection> claimed = claim(vertx, connect, schema, where, sharedSchema);
    return claimed.compose(nodeLock -> PgMigrations.apply(pool, schema)
      .map(version -> {
        PostgresJournal journal = new PostgresJournal(vertx, schema, pool,
          new PgWriter(vertx, context, pool, limits.queueCapacity(), limits.maxBatch(), limits.batchDeadlineMs()),
          limits, where);
        journal.nodeLock = nodeLock;
        return journal;
      })
      .onFailure(failure -> {
        if (nodeLock != null) {
          nodeLock.close();
        }
      }))
      .recover(failure -> {
        // Not waited for: a pool closing while a connection request times out may never complete its close.
        pool.close();
        return Future.failedFuture(failure instanceof IllegalStateException ? failure
          : new JournalUnavailableException("cannot open the PostgreSQL journal at " + where + ": "
            + failure.getMessage(), failure));
      });
  }

  /**
   * One single node per schema, or any number of cluster nodes (see
   * {@link #open(Vertx, JournalSettings, Limits, boolean)}): a session advisory lock, exclusive or shared, held by a
   * connection of its own while the journal is open.
   */
  private static Future<PgConnection> claim(Vertx vertx, PgConnectOptions connect, String schema, String where,
                                            boolean shared) {
    String lock = shared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock";
    return PgConnection.connect(vertx, connect).compose(connection -> connection
      .preparedQuery("SELECT " + lock + "(hashtext($1))").execute(Tuple.of(NODE_LOCK_PREFIX + schema))
      .compose(rows -> {
        if (rows.iterator().next().getBoolean(0)) {
          return Future.succeededFuture(connection);
        }
        connection.close();
        return Future.failedFuture(new IllegalStateException(shared
          ? "the PostgreSQL journal " + where + " is in use by a node not in cluster mode: stop it before"
            + " starting the cluster on its schema"
          : "the PostgreSQL journal " + where + " is in use by another node: one node per schema (give each node"
            + " its own journal.postgres.schema), or cluster mode for nodes sharing one"));
      }, failure -> {
        connection.close();
        return Future.failedFuture(failure);
      }));
  }

  private static PgConnectOptions connectOptions(JournalSettings.Postgres pg, Limits limits, boolean sharedSchema) {
    PgConnectOptions options;
    if (pg.uri() != null && !pg.uri().isBlank()) {
      options = PgConnectOptions.fromUri(pg.uri());
    } else {
      options = new PgConnectOptions().setHost(pg.host()).setPort(pg.port()).setDatabase(pg.database())
        .setUser(pg.user()).setPassword(pg.password() == null ? "" : pg.password());
    }
    Map<String, String> properties = new HashMap<>(options.getProperties());
    properties.put("application_name", "message-orchestrator");
    properties.put("statement_timeout", Integer.toString(limits.statementTimeoutMs()));
    if (sharedSchema) {
      // Half the statement timeout: a frozen node's transaction ends before the next owner's acquire, which may
      // wait for it for one statement timeout, gives up (a healthy writer is never idle in a transaction for long).
      properties.put("idle_in_transaction_session_timeout",
        Integer.toString(Math.max(1, limits.statementTimeoutMs() / 2)));
    }
    options.setProperties(properties);
    options.setCachePreparedStatements(true);
    options.setReconnectAttempts(0);
    return options;
  }

  @Override
  public String type() {
    return "postgres";
  }

  @Override
  public boolean durable() {
    return true;
  }

  /** The schema the tables live in. */
  public String schema() {
    return schema;
  }

  /** The writer's counters now (a snapshot, from any thread). */
  public PostgresJournalStats postgresStats() {
    return writer.stats();
  }

  /** The counters every journal reports ({@code fileBytes} is -1: the data lives in the server). */
  @Override
  public JournalStats stats() {
    PostgresJournalStats stats = writer.stats();
    return new JournalStats(stats.appends(), stats.commits(), stats.lastBatchSize(), stats.largestBatchSize(),
      stats.queueDepth(), stats.failedWrites(), stats.appendNanosTotal(), -1);
  }

  @Override
  public Future<AppendResult> append(JournalEntry entry, long dedupSince) {
    return writer.submit(statements.append(entry, dedupSince), true);
  }

  @Override
  public Future<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt) {
    return writer.submit(statements.markStarted(processId, attempt, leaseToken, startedAt));
  }

  @Override
  public Future<Void> recordOutcome(OutcomeRecord outcome) {
    return writer.submit(statements.recordOutcome(outcome));
  }

  @Override
  public Future<Void> markReply(String processId, ReplyState state, long at) {
    return writer.submit(statements.markReply(processId, state, at));
  }

  @Override
  public Future<Void> pause(ContactPause pause) {
    return writer.submit(statements.pause(pause));
  }

  @Override
  public Future<Void> resume(String account, String contactId) {
    return writer.submit(statements.resume(account, contactId));
  }

  @Override
  public Future<Recovery> recover() {
    return writer.submit(statements.recover());
  }

  @Override
  public Future<Integer> purge(long finishedBefore, int maxRows) {
    return writer.submit(statements.purge(finishedBefore, maxRows));
  }

  @Override
  public Future<List<JsonObject>> deadLetters(int limit, int offset) {
    return writer.submit(statements.deadLetters(limit, offset));
  }

  @Override
  public Future<JsonObject> find(String processId) {
    return writer.submit(statements.find(processId));
  }

  @Override
  public Future<Boolean> deleteDeadLetter(String processId) {
    return writer.submit(statements.deleteDeadLetter(processId));
  }

  @Override
  public Future<JsonObject> exportContact(String account, String contactId) {
    return writer.submit(statements.exportContact(account, contactId));
  }

  @Override
  public Future<JsonObject> eraseContact(String account, String contactId) {
    return writer.submit(statements.eraseContact(account, contactId));
  }

  /** V4: read through the conversation's index ({@code messages_conversation}), on a pooled connection. */
  @Override
  public boolean historyOnDemand() {
    return true;
  }

  @Override
  public Future<List<HistoryTurn>> history(String account, String contactId, int limit, long since) {
    return outsideTheWriter(pool.preparedQuery("SELECT process_id, message->>'text', message->>'type', accepted_at,"
        + " reply, finished_at FROM " + schema + ".messages WHERE account = $1 AND contact_id = $2"
        + " AND outcome IS NOT NULL AND accepted_at >= $3 ORDER BY sequence DESC LIMIT $4")
      .execute(Tuple.of(account, contactId, since, limit))
      .map(rows -> {
        List<HistoryTurn> turns = new ArrayList<>();
        for (Row row : rows) { // newest first: the reply before its message (reversed below)
          if (row.getString(4) != null) {
            turns.add(new HistoryTurn(account, contactId, row.getString(0),
              new HistoryEntry(HistoryEntry.ASSISTANT, row.getString(4), row.getLong(5))));
          }
          turns.add(new HistoryTurn(account, contactId, row.getString(0),
            new HistoryEntry(HistoryEntry.USER, HistoryEntry.userText(row.getString(1), row.getString(2)),
              row.getLong(3))));
        }
        return turns.reversed();
      }));
  }

  /** A trivial read on a pooled connection (not through the writer's queue), within the batch deadline. */
  @Override
  public Future<JsonObject> health() {
    PostgresJournalStats stats = writer.stats();
    return outsideTheWriter(pool.query("SELECT 1").execute().map(rows -> new JsonObject()
      .put("type", type()).put("database", where).put("schemaVersion", PgMigrations.FILES.size())
      .mergeIn(stats.toJson())));
  }

  /**
   * Cluster mode: takes {@code shard} for {@code nodeId} with the next ownership epoch (1 for a shard never owned),
   * whoever owned it before, released or not — the newest acquirer always wins, and the writes of every older epoch
   * are refused from then on ({@link ShardFencedException}). Returns once the previous owner's writes in flight are
   * committed or refused, so the new owner's {@code forShard(shard, epoch).recover()} sees all it wrote.
   *
   * <p>Runs on a pooled connection, outside the writer's groups (it may wait for another node's transaction: at
   * most the statement timeout; a frozen node's idle transaction is ended sooner), and commits synchronously
   * whatever the server's default: an epoch handed out is never handed out again after a server crash. Fails with
   * {@link JournalUnavailableException} when the database does not answer within the batch deadline.
   */
  public Future<ShardLease> acquireShard(int shard, String nodeId) {
    long now = System.currentTimeMillis();
    return outsideTheWriter(pool.withTransaction(conn -> conn.query("SET LOCAL synchronous_commit TO on").execute()
      .compose(set -> statements.acquireShard(conn, shard, nodeId, now)))
      .map(epoch -> new ShardLease(shard, epoch)));
  }

  /**
   * Hands a shard off: marks it released, only if {@code epoch} is still its current one (true), else changes
   * nothing (false: a newer owner has it). Goes through the writer, after this node's writes submitted before it;
   * every write of this epoch after it is refused. A later {@link #acquireShard} increments the epoch as usual.
   */
  public Future<Boolean> releaseShard(int shard, long epoch) {
    return writer.submit(statements.releaseShard(shard, epoch, System.currentTimeMillis()));
  }

  /**
   * The journal of one shard owned at {@code epoch} ({@link #acquireShard}): its writes ({@code append}, which also
   * records the shard, {@code markStarted}, {@code recordOutcome}, {@code markReply}, {@code deleteDeadLetter},
   * {@code eraseContact}) change only this shard's messages and are each checked, in their own statement and
   * transaction, against the shard's current epoch: once a newer epoch exists, or this one was released, they change
   * nothing and fail with {@link ShardFencedException} (the other operations of their group still commit).
   * {@code recover()} lists only this shard's unfinished messages and pending replies, in acceptance order, and fails
   * the same way if the epoch is stale. Reads ({@code find}, {@code deadLetters}, {@code exportContact}),
   * {@code purge}, health and stats are this journal's; closing the view closes nothing (close this journal).
   */
  public Journal forShard(int shard, long epoch) {
    return new ShardJournal(this, writer, statements, shard, epoch);
  }

  /**
   * Cluster mode, once at each node's start, before it acquires any shard: gives the messages a single node left
   * unfinished or with a pending reply (they have no shard) the shard {@code shardOf(account, contactId)} says, with
   * every row of their conversations, so that the shard's owner recovers them. Answers how many rows it changed.
   *
   * <p>Nodes starting together take turns (an advisory lock): the first assigns, the others find nothing. Unsharded
   * rows appear only while no cluster node runs (a single node cannot open a schema a cluster node holds), so the
   * first cluster node to start assigns them all before any shard has an owner.
   */
  public Future<Integer> adoptUnshardedMessages(ToIntBiFunction<String, String> shardOf) {
    String turn = "message-orchestrator.adopt:" + schema;
    return outsideTheWriter(pool.withTransaction(conn -> conn
      .preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))").execute(Tuple.of(turn))
      .compose(locked -> statements.adoptUnsharded(conn, shardOf))));
  }

  /**
   * A call on a pooled connection rather than through the writer: bounded by the batch deadline, failures as
   * {@link JournalUnavailableException} (a refusal passes as it is), completed on the calling context.
   */
  private <T> Future<T> outsideTheWriter(Future<T> call) {
    Context caller = Vertx.currentContext();
    Promise<T> promise = Promise.promise();
    long deadline = limits.batchDeadlineMs();
    long timer = vertx.setTimer(deadline, id -> promise.tryFail(
      new JournalUnavailableException("PostgreSQL at " + where + " did not answer within " + deadline + " ms")));
    call.onComplete(result -> {
      vertx.cancelTimer(timer);
      if (result.succeeded()) {
        promise.tryComplete(result.result());
      } else if (result.cause() instanceof JournalUnavailableException unavailable) {
        promise.tryFail(unavailable);
      } else {
        promise.tryFail(new JournalUnavailableException("PostgreSQL at " + where + " is unavailable: "
          + result.cause().getMessage(), result.cause()));
      }
    });
    return caller == null ? promise.future() : promise.future().transform(result -> {
      Promise<T> onCaller = Promise.promise();
      caller.runOnContext(v -> onCaller.handle(result));
      return onCaller.future();
    });
  }

  @Override
  public Future<Void> close() {
    return writer.close().compose(flushed -> pool.close())
      .eventually(() -> nodeLock == null ? Future.succeededFuture() : nodeLock.close());
  }
}
