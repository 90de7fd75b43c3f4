package io.messageorchestrator.journal;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The PostgreSQL journal's schema: created, versioned, migrated once even by two nodes starting together. */
@DisplayName("PostgreSQL journal schema")
class PostgresJournalSchemaTest extends PostgresSchemaTests {

  @Override
  protected String schemaPurpose() {
    return "schema";
  }

  private List<Row> query(String sql, Object... params) {
    return Await.result(PgConnection.connect(vertx, TestPostgres.connectOptions())
      .compose(conn -> conn.preparedQuery(sql).execute(Tuple.from(params)).eventually(conn::close))
      .map(rows -> {
        List<Row> list = new ArrayList<>();
        rows.forEach(list::add);
        return list;
      }));
  }

  private List<Integer> versions() {
    return query("SELECT version FROM " + schema + ".schema_version ORDER BY version").stream()
      .map(row -> row.getInteger(0)).toList();
  }

  @Test
  @DisplayName("opening creates the schema and its tables at the latest version; a second open changes nothing and"
    + " keeps the data")
  void createdThenIdempotent() {
    PostgresJournal first = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
    assertThat(versions()).containsExactly(1, 2, 3);
    assertThat(query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1"
      + " ORDER BY table_name", schema)).extracting(row -> row.getString(0))
      .containsExactly("contact_pauses", "dedup_keys", "messages", "schema_version", "shard_owners");
    Await.result(first.append(PostgresJournalTest.entry("kept", "c1", "wamid.kept", 10), 0));
    Await.result(first.close());

    PostgresJournal second = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
    try {
      assertThat(versions()).containsExactly(1, 2, 3);
      assertThat(Await.result(second.recover()).unfinished()).extracting(JournalEntry::processId)
        .containsExactly("kept");
      assertThat(Await.result(second.append(PostgresJournalTest.entry("again", "c1", "wamid.kept", 20), 0)))
        .isEqualTo(AppendResult.DUPLICATE);
    } finally {
      Await.result(second.close());
    }
  }

  @Test
  @DisplayName("two nodes opening a new schema at once both succeed: the second waits on the advisory lock and"
    + " finds the migration done")
  void twoOpensAtOnce() {
    // Hold the migration lock so that both opens are provably waiting on it, then let them race for real.
    PgConnection holder = Await.result(PgConnection.connect(vertx, TestPostgres.connectOptions()));
    Vertx otherNode = Vertx.vertx();
    Await.result(holder.preparedQuery("SELECT pg_advisory_lock(hashtext($1))")
      .execute(Tuple.of("message-orchestrator.journal:" + schema)));
    // Nodes sharing a schema (cluster mode's set-up; one node per schema otherwise, see oneNodePerSchema).
    Future<PostgresJournal> a = PostgresJournal.open(vertx, TestPostgres.journal(schema),
      PostgresJournal.Limits.DEFAULTS, true);
    Future<PostgresJournal> b = PostgresJournal.open(otherNode, TestPostgres.journal(schema),
      PostgresJournal.Limits.DEFAULTS, true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (waitingOnAdvisoryLock() < 2) {
      assertThat(System.nanoTime()).as("both opens wait on the migration lock").isLessThan(deadline);
      Thread.onSpinWait();
    }
    assertThat(a.isComplete() || b.isComplete()).isFalse();
    Await.result(holder.preparedQuery("SELECT pg_advisory_unlock(hashtext($1))")
      .execute(Tuple.of("message-orchestrator.journal:" + schema)).eventually(holder::close));

    PostgresJournal journalA = Await.result(a);
    PostgresJournal journalB = Await.result(b);
    assertThat(versions()).containsExactly(1, 2, 3);
    Await.result(journalA.append(PostgresJournalTest.entry("from-a", "c1", "k", 10), 0));
    assertThat(Await.result(journalB.append(PostgresJournalTest.entry("from-b", "c1", "k", 11), 0)))
      .isEqualTo(AppendResult.DUPLICATE);
    Await.result(journalA.close());
    Await.result(journalB.close());
    Await.result(otherNode.close());
  }

  private int waitingOnAdvisoryLock() {
    return query("SELECT count(*)::integer FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
      + " WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name = 'message-orchestrator'"
      + " AND a.query LIKE '%pg_advisory_xact_lock%'").get(0).getInteger(0);
  }

  @Test
  @DisplayName("one node per schema: a second node opening it is refused with a message naming the schema; once the"
    + " first closes, it may open")
  void oneNodePerSchema() {
    PostgresJournal first = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
    Vertx otherNode = Vertx.vertx();
    try {
      Throwable refused = Await.failure(PostgresJournal.open(otherNode, TestPostgres.journal(schema)));
      assertThat(refused).hasMessageContaining("schema " + schema).hasMessageContaining("in use by another node");
      Await.result(first.close());
      Await.result(Await.result(PostgresJournal.open(otherNode, TestPostgres.journal(schema))).close());
    } finally {
      Await.result(otherNode.close());
    }
  }

  @Test
  @DisplayName("a schema left at V1 with rows migrates to V2 (shard column, shard_owners) and keeps them: the"
    + " single-node recover lists its unfinished messages and pending replies, with no shard; a V1 node's insert"
    + " still works")
  void migratesFromV1() {
    Pool pool = PgBuilder.pool().connectingTo(TestPostgres.connectOptions()).using(vertx).build();
    try {
      assertThat(Await.result(PgMigrations.apply(pool, schema, 1))).isEqualTo(1);
    } finally {
      Await.result(pool.close());
    }
    assertThat(versions()).containsExactly(1);
    String v1Insert = "INSERT INTO " + schema + ".messages (process_id, account, contact_id, dedup_key, message,"
      + " accepted_at, attempts, replay_of)"
      + " VALUES ($1, 'default', 'c1', NULL, '{\"text\":\"old\"}'::jsonb, $2, 0, NULL)";
    query(v1Insert, "old-1", 10L);
    query(v1Insert, "old-2", 11L);
    query(v1Insert, "old-replied", 12L);
    query("UPDATE " + schema + ".messages SET outcome = 'processed', reply = 'hi', reply_state = 'pending',"
      + " finished_at = 13 WHERE process_id = 'old-replied'");

    PostgresJournal journal = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
    try {
      assertThat(versions()).containsExactly(1, 2, 3);
      Recovery recovery = Await.result(journal.recover());
      assertThat(recovery.unfinished()).extracting(JournalEntry::processId).containsExactly("old-1", "old-2");
      assertThat(recovery.unfinished().get(0).message().getString("text")).isEqualTo("old");
      assertThat(recovery.replies()).extracting(Recovery.PendingReply::processId).containsExactly("old-replied");
      assertThat(query("SELECT count(*)::integer FROM " + schema + ".messages WHERE shard IS NULL AND format = 1")
        .get(0).getInteger(0)).isEqualTo(3);
      query(v1Insert, "from-old-node", 14L); // a node of the previous version keeps writing its rows
      assertThat(Await.result(journal.recover()).unfinished()).extracting(JournalEntry::processId)
        .containsExactly("old-1", "old-2", "from-old-node");
    } finally {
      Await.result(journal.close());
    }
  }

  @Test
  @DisplayName("K4, a node of the previous version keeps working: a schema left at the previous migration with its"
    + " rows (written without a format) is migrated and read by this build, whose rows carry its format; the previous"
    + " version's insert still works on the migrated schema and its rows are format 1")
  void previousVersionKeepsWorking() {
    int previous = PgMigrations.FILES.size() - 1;
    Pool pool = PgBuilder.pool().connectingTo(TestPostgres.connectOptions()).using(vertx).build();
    try {
      assertThat(Await.result(PgMigrations.apply(pool, schema, previous))).isEqualTo(previous);
    } finally {
      Await.result(pool.close());
    }
    // The previous version's statements name their columns, none of which a later migration changed.
    String previousInsert = "INSERT INTO " + schema + ".messages (process_id, account, contact_id, dedup_key,"
      + " message, accepted_at, attempts, replay_of) VALUES ($1, 'default', 'c1', NULL, $2::jsonb, $3, 0, NULL)";
    query(previousInsert, "old-1", new JsonObject().put("text", "before the upgrade").put("timestamp", 1), 10L);

    PostgresJournal journal = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
    try {
      assertThat(versions()).hasSize(PgMigrations.FILES.size());
      Await.result(journal.append(PostgresJournalTest.entry("new-1", "c1", "wamid.new", 20), 0));
      query(previousInsert, "old-2", new JsonObject().put("text", "during the upgrade"), 30L); // the old node still writing
      Recovery recovery = Await.result(journal.recover());
      assertThat(recovery.unfinished()).extracting(JournalEntry::processId).containsExactly("old-1", "new-1", "old-2");
      assertThat(recovery.unfinished().get(0).message().getString("text")).isEqualTo("before the upgrade");
      assertThat(query("SELECT process_id, format FROM " + schema + ".messages ORDER BY sequence"))
        .extracting(row -> row.getString(0) + "=" + row.getInteger(1))
        .containsExactly("old-1=1", "new-1=" + JournalEntry.FORMAT, "old-2=1");
    } finally {
      Await.result(journal.close());
    }
  }

  @Test
  @DisplayName("K4, a schema one version newer than this build (a newer node added a column and wrote rows of a newer"
    + " format) is accepted with a warning: appends, shard appends and recovery work, newer rows read by the fields"
    + " this build knows")
  void newerSchemaAccepted() {
    Await.result(Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema))).close());
    int newer = PgMigrations.FILES.size() + 1;
    // What a next version's migration and writes could look like: an added column, a row of format 2 with a field
    // this build does not know, in the row and in the message.
    query("ALTER TABLE " + schema + ".messages ADD COLUMN priority text");
    query("INSERT INTO " + schema + ".schema_version (version, name) VALUES ($1, $2)", newer,
      "V" + newer + "__future.sql");
    query("INSERT INTO " + schema + ".messages (format, process_id, account, contact_id, dedup_key, message,"
      + " accepted_at, attempts, replay_of, priority, shard) VALUES (2, 'from-newer', 'default', 'c1', NULL,"
      + " $1::jsonb, 10, 0, NULL, 'high', 0)", new JsonObject().put("text", "hi").put("type", "text").put("timestamp", 1)
      .put("mood", "calm"));

    PostgresJournal journal = Await.result(PostgresJournal.openShared(vertx, TestPostgres.journal(schema)));
    try {
      assertThat(versions()).hasSize(newer); // nothing applied, nothing undone
      Await.result(journal.append(PostgresJournalTest.entry("single", "c2", "wamid.s", 20), 0));
      Recovery all = Await.result(journal.recover());
      assertThat(all.unfinished()).extracting(JournalEntry::processId).containsExactly("from-newer", "single");
      JournalEntry fromNewer = all.unfinished().get(0);
      assertThat(InboundMessage.fromJson(fromNewer.message()).text()).isEqualTo("hi");

      ShardLease lease = Await.result(journal.acquireShard(0, "old-node"));
      Journal shard = journal.forShard(0, lease.epoch());
      assertThat(Await.result(shard.append(PostgresJournalTest.entry("sharded", "c1", "wamid.sh", 30), 0)))
        .isEqualTo(AppendResult.APPENDED);
      assertThat(Await.result(shard.recover()).unfinished()).extracting(JournalEntry::processId)
        .containsExactly("from-newer", "sharded");
      assertThat(query("SELECT format, priority FROM " + schema + ".messages WHERE process_id = 'sharded'").get(0))
        .satisfies(row -> {
          assertThat(row.getInteger(0)).isEqualTo(JournalEntry.FORMAT);
          assertThat(row.getString(1)).isNull();
        });
    } finally {
      Await.result(journal.close());
    }
  }

  @Test
  @DisplayName("a schema whose recorded migrations are not this build's (another line of development) is refused,"
    + " naming both lists")
  void otherBuildsSchemaRefused() {
    Pool pool = PgBuilder.pool().connectingTo(TestPostgres.connectOptions()).using(vertx).build();
    try {
      Await.result(PgMigrations.apply(pool, schema, 1));
    } finally {
      Await.result(pool.close());
    }
    query("INSERT INTO " + schema + ".schema_version (version, name) VALUES (2, 'V2__something_else.sql')");
    Throwable failure = Await.failure(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
    assertThat(failure).hasMessageContaining("migrated by another build").hasMessageContaining("V2__something_else.sql")
      .hasMessageContaining(PgMigrations.FILES.get(1));
  }

  @Test
  @DisplayName("a schema name that is not a plain lowercase identifier is refused before connecting")
  void schemaNameValidated() {
    assertThat(Await.failure(PostgresJournal.open(vertx, TestPostgres.journal("x; DROP TABLE y"))))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("journal.postgres.schema");
  }

  @Test
  @DisplayName("migrations are numbered V1, V2, ... in order and every file is on the classpath")
  void migrationFilesInOrder() {
    for (int i = 0; i < PgMigrations.FILES.size(); i++) {
      String file = PgMigrations.FILES.get(i);
      assertThat(file).startsWith("V" + (i + 1) + "__").endsWith(".sql");
      assertThat(PgMigrations.class.getResource("/journal/postgres/" + file)).as(file).isNotNull();
    }
  }
}
