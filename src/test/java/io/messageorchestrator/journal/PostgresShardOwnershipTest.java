package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.TcpProxy;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Cluster mode's shard ownership in the PostgreSQL journal: two journals on one shared schema play two nodes (each on
 * a Vert.x of its own). An epoch taken by compare-and-set fences every write of the older owner, and the new owner
 * recovers what the old one left.
 */
@DisplayName("PostgreSQL journal shard ownership")
class PostgresShardOwnershipTest extends PostgresSchemaTests {
  private Vertx otherNode;
  private PostgresJournal nodeA;
  private PostgresJournal nodeB;

  @Override
  protected String schemaPurpose() {
    return "shards";
  }

  @BeforeEach
  void openTwoNodes() {
    otherNode = Vertx.vertx();
    nodeA = Await.result(PostgresJournal.openShared(vertx, TestPostgres.journal(schema)));
    nodeB = Await.result(PostgresJournal.openShared(otherNode, TestPostgres.journal(schema)));
  }

  @AfterEach
  void closeNodes() {
    try {
      Await.result(nodeA.close());
      Await.result(nodeB.close());
    } finally {
      Await.result(otherNode.close());
    }
  }

  private static JournalEntry entry(String processId, String key) {
    return PostgresJournalTest.entry(processId, "contact-" + processId, key, 100);
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

  /** Every row of the journal's tables, as text: what a refused write must leave as it was. */
  private String tables() {
    return query("SELECT (SELECT coalesce(string_agg(m::text, E'\\n' ORDER BY sequence), '') FROM " + schema
      + ".messages m) || E'\\n--\\n' || (SELECT coalesce(string_agg(d::text, E'\\n' ORDER BY dedup_key), '') FROM "
      + schema + ".dedup_keys d) || E'\\n--\\n' || (SELECT coalesce(string_agg(o::text, E'\\n' ORDER BY shard), '')"
      + " FROM " + schema + ".shard_owners o)").get(0).getString(0);
  }

  private static void assertFenced(Future<?> write, int shard, long epoch) {
    assertThat(Await.failure(write)).isInstanceOf(ShardFencedException.class)
      .isInstanceOf(JournalUnavailableException.class)
      .satisfies(failure -> {
        assertThat(((ShardFencedException) failure).shard()).isEqualTo(shard);
        assertThat(((ShardFencedException) failure).epoch()).isEqualTo(epoch);
      });
  }

  private static List<String> ids(List<JournalEntry> entries) {
    return entries.stream().map(JournalEntry::processId).toList();
  }

  @Test
  @DisplayName("once node B takes shard 3 (epoch 2), node A's append, start, outcome, reply mark, dead-letter"
    + " deletion and erasure for shard 3 fail with ShardFencedException and change nothing; B's writes work, and B"
    + " recovers A's unfinished messages and pending replies of shard 3 in acceptance order, not other shards'")
  void newerOwnerFencesTheOlder() {
    ShardLease leaseA = Await.result(nodeA.acquireShard(3, "node-a"));
    assertThat(leaseA).isEqualTo(new ShardLease(3, 1));
    ShardLease otherShard = Await.result(nodeA.acquireShard(5, "node-a"));
    Journal shard3A = nodeA.forShard(3, leaseA.epoch());
    Journal shard5A = nodeA.forShard(5, otherShard.epoch());

    assertThat(Await.result(shard3A.append(entry("a-replied", "k0"), 0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(shard3A.append(entry("a-1", "k1"), 0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(shard5A.append(entry("five-1", "k5"), 0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(shard3A.append(entry("a-2", null), 0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(shard3A.append(entry("a-dup", "k1"), 0))).as("the same key of another contact")
      .isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(shard3A.append(PostgresJournalTest.entry("a-dup2", "contact-a-1", "k1", 101), 0)))
      .isEqualTo(AppendResult.DUPLICATE);
    Await.result(shard3A.markStarted("a-1", 1, 77, 150));
    Await.result(shard3A.recordOutcome(new OutcomeRecord("a-replied", "processed", "hi", null, 160, false)));
    Await.result(shard3A.recordOutcome(new OutcomeRecord("a-dup", "failed", null, "boom", 161, false)));
    assertThat(query("SELECT count(*)::integer FROM " + schema + ".messages WHERE shard = 3").get(0).getInteger(0))
      .isEqualTo(4);

    ShardLease leaseB = Await.result(nodeB.acquireShard(3, "node-b"));
    assertThat(leaseB).isEqualTo(new ShardLease(3, 2));
    String before = tables();

    assertFenced(shard3A.append(entry("a-late", "k-late"), 0), 3, 1);
    assertFenced(shard3A.append(entry("a-late-nokey", null), 0), 3, 1);
    assertFenced(shard3A.markStarted("a-2", 1, 78, 170), 3, 1);
    assertFenced(shard3A.recordOutcome(new OutcomeRecord("a-1", "processed", "late", null, 171, true)), 3, 1);
    assertFenced(shard3A.markReply("a-replied", ReplyState.DELIVERED, 172), 3, 1);
    assertFenced(shard3A.deleteDeadLetter("a-dup"), 3, 1);
    assertFenced(shard3A.eraseContact("default", "contact-a-1"), 3, 1);
    assertFenced(shard3A.recover(), 3, 1);
    assertThat(tables()).as("nothing changed by the fenced writes").isEqualTo(before);
    assertThat(nodeA.postgresStats().fencedWrites()).isEqualTo(8);
    assertThat(nodeA.postgresStats().failedWrites()).isZero();
    // A still owns shard 5
    Await.result(shard5A.markStarted("five-1", 1, 79, 173));

    Journal shard3B = nodeB.forShard(3, leaseB.epoch());
    Recovery recovery = Await.result(shard3B.recover());
    assertThat(ids(recovery.unfinished())).containsExactly("a-1", "a-2");
    assertThat(recovery.unfinished().get(0).attempts()).isEqualTo(1);
    assertThat(recovery.replies()).extracting(Recovery.PendingReply::processId).containsExactly("a-replied");
    Await.result(shard3B.markStarted("a-2", 1, 80, 180));
    Await.result(shard3B.recordOutcome(new OutcomeRecord("a-1", "processed", "done", null, 181, false)));
    Await.result(shard3B.markReply("a-replied", ReplyState.DELIVERED, 182));
    assertThat(Await.result(shard3B.append(entry("b-1", "k-b"), 0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(shard3B.deleteDeadLetter("a-dup"))).isTrue();
    assertThat(Await.result(shard3B.deleteDeadLetter("five-1"))).as("shard 5's message is not shard 3's").isFalse();

    Recovery after = Await.result(shard3B.recover());
    assertThat(ids(after.unfinished())).containsExactly("a-2", "b-1");
    assertThat(after.unfinished().get(0).attempts()).isEqualTo(1);
    assertThat(after.replies()).extracting(Recovery.PendingReply::processId).containsExactly("a-1");
    assertThat(Await.result(nodeB.find("a-replied")).getString("replyState")).isEqualTo("delivered");
    assertThat(ids(Await.result(nodeA.forShard(5, otherShard.epoch()).recover()).unfinished()))
      .containsExactly("five-1");
    assertThat(Await.result(shard3B.eraseContact("default", "contact-b-1")))
      .isEqualTo(new JsonObject().put("messages", 1).put("keys", 1));
  }

  @Test
  @DisplayName("a fenced write grouped in one transaction with other shards' writes fails alone: the others commit")
  void fencedWriteDoesNotFailItsGroup() {
    ShardLease lost = Await.result(nodeA.acquireShard(3, "node-a"));
    ShardLease kept = Await.result(nodeA.acquireShard(5, "node-a"));
    ShardLease holder = Await.result(nodeA.acquireShard(9, "node-a"));
    Journal shard3 = nodeA.forShard(3, lost.epoch());
    Journal shard5 = nodeA.forShard(5, kept.epoch());
    Await.result(shard3.append(entry("three", "k3"), 0));
    Await.result(shard5.append(entry("five", "k5"), 0));
    Await.result(nodeB.acquireShard(3, "node-b"));

    // Hold the writer: its batch waits on a lock taken here on shard 9's row, while the next operations queue up
    // behind it and then go together into the next batch.
    PgConnection locker = Await.result(PgConnection.connect(vertx, TestPostgres.connectOptions()));
    try {
      Await.result(locker.query("BEGIN").execute().compose(begun -> locker.preparedQuery("SELECT 1 FROM " + schema
        + ".shard_owners WHERE shard = 9 FOR UPDATE").execute()));
      Future<AppendResult> held = nodeA.forShard(9, holder.epoch()).append(entry("nine", "k9"), 0);
      Poll.until("the writer waits on the locked row", Duration.ofSeconds(10),
        () -> nodeA.postgresStats().queueDepth() == 0 && waitingForALock() > 0);

      Promise<List<Future<?>>> submitted = Promise.promise();
      vertx.runOnContext(v -> submitted.complete(List.of(
        shard5.append(entry("five-2", "k5-2"), 0),
        shard3.markStarted("three", 1, 1, 200),
        shard5.markStarted("five", 1, 1, 201),
        shard3.append(entry("three-late", "k3-late"), 0),
        shard5.recordOutcome(new OutcomeRecord("five", "processed", "ok", null, 202, false)))));
      List<Future<?>> group = Await.result(submitted.future());
      assertThat(nodeA.postgresStats().queueDepth()).isEqualTo(5);
      Await.result(locker.query("ROLLBACK").execute());
      assertThat(Await.result(held)).isEqualTo(AppendResult.APPENDED);

      assertThat(Await.result(group.get(0))).isEqualTo(AppendResult.APPENDED);
      assertFenced(group.get(1), 3, lost.epoch());
      Await.result(group.get(2));
      assertFenced(group.get(3), 3, lost.epoch());
      Await.result(group.get(4));
      assertThat(nodeA.postgresStats().lastBatchSize()).as("the five went in one transaction").isEqualTo(5);
    } finally {
      Await.result(locker.close());
    }
    assertThat(Await.result(nodeA.find("five")).getString("outcome")).isEqualTo("processed");
    assertThat(Await.result(nodeA.find("five")).getInteger("attempts")).isEqualTo(1);
    assertThat(Await.result(nodeA.find("five-2"))).isNotNull();
    assertThat(Await.result(nodeA.find("three")).getInteger("attempts")).isZero();
    assertThat(Await.result(nodeA.find("three-late"))).isNull();
  }

  private int waitingForALock() {
    return query("SELECT count(*)::integer FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
      + " WHERE NOT l.granted AND a.application_name = 'message-orchestrator' AND a.query LIKE $1",
      "%" + schema + ".%").get(0).getInteger(0);
  }

  @Test
  @DisplayName("an acquire waits for the previous owner's transaction in flight: once it returns, that write is"
    + " committed and the new owner's recovery lists it")
  void acquireWaitsForTheOwnersWritesInFlight() {
    ShardLease leaseA = Await.result(nodeA.acquireShard(3, "node-a"));
    Journal shard3A = nodeA.forShard(3, leaseA.epoch());
    Await.result(shard3A.append(entry("first", "k1"), 0));

    // A's next batch stalls on a message row locked here, after its append has passed the guard (FOR SHARE).
    PgConnection locker = Await.result(PgConnection.connect(vertx, TestPostgres.connectOptions()));
    try {
      Await.result(locker.query("BEGIN").execute().compose(begun -> locker.preparedQuery("SELECT 1 FROM " + schema
        + ".messages WHERE process_id = 'first' FOR UPDATE").execute()));
      Promise<List<Future<?>>> submitted = Promise.promise();
      vertx.runOnContext(v -> submitted.complete(List.of(
        shard3A.append(entry("in-flight", "k2"), 0),
        shard3A.markStarted("first", 1, 1, 200))));
      List<Future<?>> inFlight = Await.result(submitted.future());
      Poll.until("A's batch waits on the locked message", Duration.ofSeconds(10), () -> waitingForALock() == 1);

      Future<ShardLease> acquired = nodeB.acquireShard(3, "node-b");
      Poll.until("B's acquire waits for A's transaction", Duration.ofSeconds(10), () -> waitingForALock() == 2);
      assertThat(acquired.isComplete()).isFalse();

      Await.result(locker.query("ROLLBACK").execute());
      assertThat(Await.result(inFlight.get(0))).isEqualTo(AppendResult.APPENDED);
      Await.result(inFlight.get(1));
      ShardLease leaseB = Await.result(acquired);
      assertThat(leaseB.epoch()).isEqualTo(2);
      assertThat(ids(Await.result(nodeB.forShard(3, leaseB.epoch()).recover()).unfinished()))
        .containsExactly("first", "in-flight");
      assertFenced(shard3A.append(entry("after", "k3"), 0), 3, 1);
    } finally {
      Await.result(locker.close());
    }
  }

  @Test
  @DisplayName("concurrent acquires of one shard from two nodes get distinct epochs 1..n; exactly one, the highest,"
    + " may write")
  void concurrentAcquiresAreCompareAndSet() {
    int perNode = 10;
    Supplier<List<Future<ShardLease>>> burst = () -> {
      List<Future<ShardLease>> all = new ArrayList<>();
      for (int i = 0; i < perNode; i++) {
        all.add(nodeA.acquireShard(7, "node-a"));
        all.add(nodeB.acquireShard(7, "node-b"));
      }
      return all;
    };
    List<Future<ShardLease>> acquires = burst.get();
    List<Long> epochs = new ArrayList<>();
    for (Future<ShardLease> acquire : acquires) {
      epochs.add(Await.result(acquire).epoch());
    }
    List<Long> expected = new ArrayList<>();
    for (long e = 1; e <= 2L * perNode; e++) {
      expected.add(e);
    }
    assertThat(epochs).containsExactlyInAnyOrderElementsOf(expected);
    int newest = epochs.indexOf(2L * perNode);
    String newestOwner = newest % 2 == 0 ? "node-a" : "node-b";
    Row row = query("SELECT epoch, owner, released_at FROM " + schema + ".shard_owners WHERE shard = 7").get(0);
    assertThat(row.getLong("epoch")).isEqualTo(2L * perNode);
    assertThat(row.getString("owner")).isEqualTo(newestOwner);
    assertThat(row.getLong("released_at")).isNull();

    List<Long> writable = new ArrayList<>();
    for (long epoch : epochs) {
      PostgresJournal node = epochs.indexOf(epoch) % 2 == 0 ? nodeA : nodeB;
      Future<Void> write = node.forShard(7, epoch).markReply("nobody", ReplyState.DELIVERED, 1);
      Await.result(write.transform(done -> Future.succeededFuture()));
      if (write.succeeded()) {
        writable.add(epoch);
      } else {
        assertThat(write.cause()).isInstanceOf(ShardFencedException.class);
      }
    }
    assertThat(writable).containsExactly(2L * perNode);
  }

  @Test
  @DisplayName("release ends the epoch (its writes are refused) and a later acquire increments; a release by a stale"
    + " epoch changes nothing")
  void releaseThenAcquire() {
    ShardLease first = Await.result(nodeA.acquireShard(4, "node-a"));
    Journal shard4A = nodeA.forShard(4, first.epoch());
    Await.result(shard4A.append(entry("handed-off", "k1"), 0));
    assertThat(Await.result(nodeA.releaseShard(4, first.epoch()))).isTrue();
    assertThat(query("SELECT released_at FROM " + schema + ".shard_owners WHERE shard = 4").get(0).getLong(0))
      .isNotNull();
    assertFenced(shard4A.markStarted("handed-off", 1, 1, 10), 4, first.epoch());
    assertThat(Await.result(nodeA.releaseShard(4, first.epoch()))).as("released already").isFalse();

    ShardLease second = Await.result(nodeB.acquireShard(4, "node-b"));
    assertThat(second.epoch()).isEqualTo(2);
    assertThat(Await.result(nodeA.releaseShard(4, first.epoch()))).as("a stale epoch").isFalse();
    Row row = query("SELECT epoch, owner, released_at FROM " + schema + ".shard_owners WHERE shard = 4").get(0);
    assertThat(row.getLong("epoch")).isEqualTo(2);
    assertThat(row.getString("owner")).isEqualTo("node-b");
    assertThat(row.getLong("released_at")).isNull();
    Journal shard4B = nodeB.forShard(4, second.epoch());
    assertThat(ids(Await.result(shard4B.recover()).unfinished())).containsExactly("handed-off");
    Await.result(shard4B.markStarted("handed-off", 1, 2, 20));

    ShardLease third = Await.result(nodeA.acquireShard(4, "node-a"));
    assertThat(third.epoch()).isEqualTo(3);
    assertThat(Await.result(nodeB.releaseShard(4, second.epoch()))).isFalse();
    assertThat(query("SELECT released_at FROM " + schema + ".shard_owners WHERE shard = 4").get(0).getLong(0))
      .isNull();
    assertFenced(shard4B.recordOutcome(new OutcomeRecord("handed-off", "processed", null, null, 30, false)), 4, 2);
  }

  @Test
  @DisplayName("the single-node writes and recover are unchanged on a shared schema: no shard, every message")
  void unshardedJournalIsUnchanged() {
    ShardLease lease = Await.result(nodeA.acquireShard(3, "node-a"));
    Await.result(nodeA.forShard(3, lease.epoch()).append(entry("sharded", "k1"), 0));
    Await.result(nodeA.append(entry("plain", "k2"), 0));
    assertThat(ids(Await.result(nodeA.recover()).unfinished())).containsExactly("sharded", "plain");
    assertThat(query("SELECT process_id, shard FROM " + schema + ".messages ORDER BY sequence"))
      .extracting(r -> r.getString(0) + ":" + r.getInteger(1)).containsExactly("sharded:3", "plain:null");
    assertThat(ids(Await.result(nodeA.forShard(3, lease.epoch()).recover()).unfinished())).containsExactly("sharded");
  }

  @Test
  @DisplayName("cluster nodes and a single node exclude each other on a schema: each is refused at open, saying why")
  void clusterAndSingleNodeExcludeEachOther() {
    Throwable refused = Await.failure(PostgresJournal.open(otherNode, TestPostgres.journal(schema)));
    assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use by another node");

    Await.result(nodeA.close());
    Await.result(nodeB.close());
    PostgresJournal single = Await.result(PostgresJournal.open(otherNode, TestPostgres.journal(schema)));
    try {
      assertThat(Await.failure(PostgresJournal.openShared(vertx, TestPostgres.journal(schema))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not in cluster mode");
    } finally {
      Await.result(single.close());
    }
    nodeA = Await.result(PostgresJournal.openShared(vertx, TestPostgres.journal(schema)));
    nodeB = Await.result(PostgresJournal.openShared(otherNode, TestPostgres.journal(schema)));
  }

  @Test
  @DisplayName("messages a single node left (no shard) get their conversation's shard at the cluster's start, and"
    + " that shard's owner recovers them; finished conversations stay as they are, and a second adoption finds"
    + " nothing")
  void unshardedMessagesAreAdopted() {
    Await.result(nodeA.append(PostgresJournalTest.entry("c1-first", "c1", "k1", 10), 0));
    Await.result(nodeA.append(PostgresJournalTest.entry("c2-replied", "c2", "k2", 11), 0));
    Await.result(nodeA.append(PostgresJournalTest.entry("c3-done", "c3", "k3", 12), 0));
    Await.result(nodeA.append(PostgresJournalTest.entry("c1-done", "c1", "k4", 13), 0));
    Await.result(nodeA.append(PostgresJournalTest.entry("c1-second", "c1", "k5", 14), 0));
    Await.result(nodeA.recordOutcome(new OutcomeRecord("c2-replied", "processed", "hi", null, 20, false)));
    Await.result(nodeA.recordOutcome(new OutcomeRecord("c3-done", "processed", null, null, 21, false)));
    Await.result(nodeA.recordOutcome(new OutcomeRecord("c1-done", "processed", null, null, 22, false)));

    assertThat(Await.result(nodeB.adoptUnshardedMessages((account, contact) -> contact.equals("c1") ? 3 : 5)))
      .as("c1's three rows and c2's one").isEqualTo(4);
    assertThat(Await.result(nodeA.adoptUnshardedMessages((account, contact) -> 6))).isZero();
    assertThat(query("SELECT process_id, shard FROM " + schema + ".messages ORDER BY sequence"))
      .extracting(r -> r.getString(0) + ":" + r.getInteger(1))
      .containsExactly("c1-first:3", "c2-replied:5", "c3-done:null", "c1-done:3", "c1-second:3");

    ShardLease three = Await.result(nodeB.acquireShard(3, "node-b"));
    ShardLease five = Await.result(nodeA.acquireShard(5, "node-a"));
    assertThat(ids(Await.result(nodeB.forShard(3, three.epoch()).recover()).unfinished()))
      .containsExactly("c1-first", "c1-second");
    Recovery fiveRecovery = Await.result(nodeA.forShard(5, five.epoch()).recover());
    assertThat(fiveRecovery.unfinished()).isEmpty();
    assertThat(fiveRecovery.replies()).extracting(Recovery.PendingReply::processId).containsExactly("c2-replied");
  }

  @Test
  @DisplayName("pauses a single node left (no shard) get their conversation's shard at the cluster's start: only that"
    + " shard's owner recovers them, and its fenced writes resume them")
  void unshardedPausesAreAdopted() {
    Await.result(nodeA.pause(new ContactPause("default", "c1", 10, 60_010, "operator", "human")));
    Await.result(nodeA.pause(new ContactPause("default", "c4", 10, 60_010, "business", null)));

    Await.result(nodeB.adoptUnshardedMessages((account, contact) -> contact.equals("c1") ? 3 : 5));

    ShardLease three = Await.result(nodeB.acquireShard(3, "node-b"));
    ShardLease five = Await.result(nodeA.acquireShard(5, "node-a"));
    Journal shard3 = nodeB.forShard(3, three.epoch());
    assertThat(Await.result(shard3.recover()).pauses()).extracting(ContactPause::contactId).containsExactly("c1");
    assertThat(Await.result(nodeA.forShard(5, five.epoch()).recover()).pauses()).extracting(ContactPause::contactId)
      .containsExactly("c4");
    Await.result(shard3.resume("default", "c1"));
    assertThat(Await.result(shard3.recover()).pauses()).isEmpty();

    ShardLease newer = Await.result(nodeA.acquireShard(3, "node-a"));
    assertThat(Await.failure(shard3.pause(new ContactPause("default", "c1", 20, 60_020, "operator", null))))
      .isInstanceOf(ShardFencedException.class);
    assertThat(Await.result(nodeA.forShard(3, newer.epoch()).recover()).pauses()).isEmpty();
  }

  @Test
  @DisplayName("a node frozen in the middle of a transaction does not hold its shard for ever: the server ends its"
    + " idle transaction (rolled back), the waiting acquire returns, and the node is fenced when it wakes up")
  void frozenNodeIsFencedNotWaitedFor() {
    // statement timeout 4 s, so idle_in_transaction_session_timeout 2 s on the frozen node's connections
    PostgresJournal.Limits limits = new PostgresJournal.Limits(1_000, 1_000, 2_000, 4_000);
    TcpProxy proxy = new TcpProxy(vertx, TestPostgres.host(), TestPostgres.port());
    PostgresJournal frozen = Await.result(PostgresJournal.open(vertx,
      TestPostgres.journal(schema, "127.0.0.1", proxy.start()), limits, true));
    PgConnection locker = Await.result(PgConnection.connect(vertx, TestPostgres.connectOptions()));
    try {
      ShardLease lease = Await.result(frozen.acquireShard(3, "frozen"));
      Journal shard3 = frozen.forShard(3, lease.epoch());
      Await.result(shard3.append(entry("first", "k1"), 0));

      // Its next transaction holds shard 3's row (the append passed the guard) and waits on a message locked here.
      Await.result(locker.query("BEGIN").execute().compose(begun -> locker.preparedQuery("SELECT 1 FROM " + schema
        + ".messages WHERE process_id = 'first' FOR UPDATE").execute()));
      Promise<List<Future<?>>> submitted = Promise.promise();
      vertx.runOnContext(v -> submitted.complete(List.of(
        shard3.append(entry("in-flight", "k2"), 0),
        shard3.markStarted("first", 1, 1, 200))));
      List<Future<?>> inFlight = Await.result(submitted.future());
      Poll.until("the frozen node's transaction waits on the locked message", Duration.ofSeconds(10),
        () -> waitingForALock() == 1);
      proxy.freeze(); // from now on the node neither hears nor says anything: it never sends its COMMIT

      Future<ShardLease> acquired = nodeB.acquireShard(3, "node-b");
      Poll.until("B's acquire waits for the frozen node's transaction", Duration.ofSeconds(10),
        () -> waitingForALock() == 2);
      Await.result(locker.query("ROLLBACK").execute());

      ShardLease taken = Await.result(acquired);
      assertThat(taken.epoch()).isEqualTo(2);
      Recovery recovery = Await.result(nodeB.forShard(3, taken.epoch()).recover());
      assertThat(recovery.unfinished()).extracting(JournalEntry::processId, JournalEntry::attempts)
        .containsExactly(tuple("first", 0));
      assertThat(Await.failure(inFlight.get(0))).isInstanceOf(JournalUnavailableException.class);

      proxy.thaw();
      assertFenced(shard3.append(entry("awake", "k3"), 0), 3, lease.epoch());
      assertFenced(shard3.markStarted("first", 1, 2, 300), 3, lease.epoch());
      assertThat(ids(Await.result(nodeB.forShard(3, taken.epoch()).recover()).unfinished())).containsExactly("first");
    } finally {
      proxy.thaw();
      Await.result(locker.close());
      Await.result(frozen.close());
      Await.result(proxy.close());
    }
  }
}
