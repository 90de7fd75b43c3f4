package io.messageorchestrator.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.PostgresJournal;
import io.messageorchestrator.journal.ShardFencedException;
import io.messageorchestrator.journal.ShardLease;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shard ownership on real clustered Vert.x instances (Hazelcast members on loopback, a cluster name of this test's
 * own) in this JVM, sharing one PostgreSQL schema of the test's own. Each node's {@link ShardHost} records what it is
 * asked to do; the tests wait for the state they expect (bounded polls), never for time to pass.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@DisplayName("ShardOwnership")
class ShardOwnershipTest {
  private static final int SHARDS = 24;
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static Vertx plain;

  private String schema;
  private String clusterName;
  private final List<Integer> ports = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();
  private final Events events = new Events();
  private final Set<Integer> failOnce = ConcurrentHashMap.newKeySet();
  private long handOffTimeoutMs = 10_000;
  private long pauseSuspectMs = 4_000;

  @BeforeAll
  static void startVertx() {
    plain = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    Await.result(plain.close());
  }

  @BeforeEach
  void names() {
    schema = TestPostgres.uniqueSchema("owners");
    clusterName = TestClusters.uniqueName();
  }

  @AfterEach
  void stopNodes() {
    try {
      for (Node node : nodes.reversed()) {
        node.close();
      }
    } finally {
      TestPostgres.dropSchema(plain, schema);
    }
  }

  // ---- what the hosts saw

  private record Event(long seq, long nanos, String kind, String node, int shard, long epoch) {
  }

  /** Everything every host was asked to do, in one order (test-side bookkeeping across the nodes' threads). */
  private static final class Events {
    private final AtomicLong seq = new AtomicLong();
    private final ConcurrentLinkedQueue<Event> all = new ConcurrentLinkedQueue<>();

    void add(String kind, String node, int shard, long epoch) {
      all.add(new Event(seq.incrementAndGet(), System.nanoTime(), kind, node, shard, epoch));
    }

    long mark() {
      return seq.get();
    }

    List<Event> since(long mark, String kind, int shard) {
      return all.stream().filter(e -> e.seq() > mark && e.kind().equals(kind) && e.shard() == shard).toList();
    }
  }

  /**
   * Runs "shards" as entries in a map; a hand-off lets 30 ms of pretend in-flight work finish first. The first start
   * of a shard in {@code failOnce} fails; with {@code handOffHangs} a hand-off never completes.
   */
  private static final class RecordingHost implements ShardHost {
    private final Vertx vertx;
    private final Events events;
    private final Set<Integer> failOnce;
    private volatile String nodeId;
    /** The ownership's context (where it calls the host). */
    volatile io.vertx.core.Context context;
    volatile boolean handOffHangs;
    final Map<Integer, Long> running = new ConcurrentHashMap<>();

    RecordingHost(Vertx vertx, Events events, Set<Integer> failOnce) {
      this.vertx = vertx;
      this.events = events;
      this.failOnce = failOnce;
    }

    @Override
    public Future<Void> start(ShardLease lease) {
      context = Vertx.currentContext();
      if (failOnce.remove(lease.shard())) {
        events.add("startFailed", nodeId, lease.shard(), lease.epoch());
        return Future.failedFuture(new IllegalStateException("shard " + lease.shard() + " fails to start once"));
      }
      Long before = running.putIfAbsent(lease.shard(), lease.epoch());
      assertThat(before).as("shard %d started twice on %s", lease.shard(), nodeId).isNull();
      events.add("start", nodeId, lease.shard(), lease.epoch());
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> handOff(int shard) {
      Long epoch = running.get(shard);
      events.add("handOff", nodeId, shard, epoch == null ? -1 : epoch);
      Promise<Void> done = Promise.promise();
      if (handOffHangs) {
        return done.future();
      }
      vertx.setTimer(30, id -> {
        running.remove(shard);
        events.add("handedOff", nodeId, shard, epoch == null ? -1 : epoch);
        done.complete();
      });
      return done.future();
    }
  }

  private final class Node {
    final ClusterNode cluster;
    final PostgresJournal journal;
    final RecordingHost host;
    final ShardOwnership ownership;
    final String deployment;
    final long deployedAt;
    boolean closed;

    Node(ClusterNode cluster, PostgresJournal journal, RecordingHost host, ShardOwnership ownership,
         String deployment) {
      this.cluster = cluster;
      this.journal = journal;
      this.host = host;
      this.ownership = ownership;
      this.deployment = deployment;
      this.deployedAt = System.nanoTime();
    }

    String id() {
      return cluster.nodeId();
    }

    JsonObject status() {
      return Await.result(ownership.status());
    }

    /**
     * Graceful, in the order a node stops: the ownership first (every shard handed off, epochs released), then the
     * journal, then the Vert.x (which leaves the cluster).
     */
    void close() {
      if (!closed) {
        closed = true;
        try {
          Await.result(cluster.vertx().undeploy(deployment), 60);
          Await.result(journal.close());
        } finally {
          Await.result(cluster.vertx().close(), 60);
        }
      }
    }
  }

  private Node startNode() {
    return startNodes(1).get(0);
  }

  /** Joins {@code count} nodes at once (Hazelcast waits a few seconds before it joins: in parallel, once). */
  private List<Node> startNodes(int count) {
    List<Integer> mine = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      mine.add(TestClusters.freePort());
    }
    ports.addAll(mine);
    List<Integer> members = List.copyOf(ports);
    List<ClusterNode> joined = Await.result(Future.all(mine.stream()
        .map(port -> ClusterNode.join(TestClusters.loopback(clusterName, port, members), new VertxOptions(), null))
        .toList())
      .map(all -> all.<ClusterNode>list()), 90);
    List<Node> started = new ArrayList<>();
    for (ClusterNode cluster : joined) {
      PostgresJournal journal = Await.result(PostgresJournal.openShared(cluster.vertx(),
        TestPostgres.journal(schema)));
      RecordingHost host = new RecordingHost(cluster.vertx(), events, failOnce);
      host.nodeId = cluster.nodeId();
      ShardOwnership ownership = new ShardOwnership(cluster, journal, host,
        new ShardOwnership.Options(SHARDS, 50, 500, handOffTimeoutMs, pauseSuspectMs, 1_500));
      String deployment = Await.result(cluster.vertx().deployVerticle(ownership));
      Node node = new Node(cluster, journal, host, ownership, deployment);
      nodes.add(node);
      started.add(node);
    }
    return started;
  }

  // ---- checks

  /** Shard → node id, from what the hosts run; fails if a shard runs twice. */
  private static Map<Integer, String> running(List<Node> alive) {
    Map<Integer, String> owners = new HashMap<>();
    for (Node node : alive) {
      for (int shard : node.host.running.keySet()) {
        String other = owners.put(shard, node.id());
        assertThat(other).as("shard %d runs on %s and %s", shard, other, node.id()).isNull();
      }
    }
    return owners;
  }

  private static Map<Integer, Long> epochs(List<Node> alive) {
    Map<Integer, Long> epochs = new HashMap<>();
    alive.forEach(node -> epochs.putAll(node.host.running));
    return epochs;
  }

  /**
   * Waits until the alive nodes follow a plan for exactly them, nothing is moving, every shard runs once, and the
   * directory agrees; then checks the balance and PostgreSQL's {@code shard_owners}.
   */
  private void awaitSettled(List<Node> alive) {
    Set<String> ids = new HashSet<>(alive.stream().map(Node::id).toList());
    Poll.until("every shard runs on exactly one of " + ids, SETTLE, () -> {
      for (Node node : alive) {
        JsonObject status = node.status();
        if (status.getInteger("moving") != 0 || status.getJsonArray("planMembers") == null
          || !ids.equals(new HashSet<>(status.getJsonArray("planMembers").stream().map(String.class::cast)
          .toList()))) {
          return false;
        }
      }
      Map<Integer, String> running = running(alive);
      if (running.size() != SHARDS) {
        return false;
      }
      for (int shard = 0; shard < SHARDS; shard++) {
        ShardOwner owner = Await.result(alive.get(0).ownership.ownerOf(shard));
        if (owner == null || !owner.nodeId().equals(running.get(shard))
          || owner.epoch() != epochs(alive).get(shard)) {
          return false;
        }
      }
      return true;
    }, () -> alive.stream().map(node -> node.status().encode()).toList().toString());

    Map<Integer, String> running = running(alive);
    Map<String, Integer> counts = new HashMap<>();
    running.values().forEach(id -> counts.merge(id, 1, Integer::sum));
    int base = SHARDS / alive.size();
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(counts.values()).allSatisfy(count -> assertThat(count).isBetween(base, base + 1));
    Map<Integer, Long> epochs = epochs(alive);
    for (Row row : shardOwners()) {
      int shard = row.getInteger("shard");
      assertThat(row.getString("owner")).as("owner of shard %d in PostgreSQL", shard).isEqualTo(running.get(shard));
      assertThat(row.getLong("epoch")).as("epoch of shard %d", shard).isEqualTo(epochs.get(shard));
      assertThat(row.getLong("released_at")).as("shard %d released", shard).isNull();
    }
  }

  private List<Row> shardOwners() {
    return Await.result(PgConnection.connect(plain, TestPostgres.connectOptions())
      .compose(conn -> conn.query("SELECT shard, epoch, owner, released_at FROM " + schema
        + ".shard_owners ORDER BY shard").execute().eventually(conn::close))
      .map(rows -> {
        List<Row> list = new ArrayList<>();
        rows.forEach(list::add);
        return list;
      }));
  }

  /**
   * For each shard that moved since {@code mark}: the old owner's hand-off completed before the new owner started
   * it, at a higher epoch. Answers the shards that moved.
   */
  private Set<Integer> assertHandedOffBeforeStarted(long mark, Map<Integer, String> before,
                                                   Map<Integer, Long> epochsBefore, Map<Integer, String> after) {
    Set<Integer> moved = new HashSet<>();
    for (int shard = 0; shard < SHARDS; shard++) {
      if (before.get(shard).equals(after.get(shard))) {
        assertThat(events.since(mark, "start", shard)).as("shard %d stayed where it was", shard).isEmpty();
        continue;
      }
      moved.add(shard);
      String from = before.get(shard);
      List<Event> handedOff = events.since(mark, "handedOff", shard).stream()
        .filter(e -> e.node().equals(from)).toList();
      List<Event> started = events.since(mark, "start", shard);
      assertThat(handedOff).as("shard %d handed off by its old owner", shard).hasSize(1);
      assertThat(started).as("shard %d started once by its new owner", shard).hasSize(1);
      Event start = started.get(0);
      assertThat(start.node()).isEqualTo(after.get(shard));
      assertThat(start.seq()).as("hand-off of shard %d done before its start", shard)
        .isGreaterThan(handedOff.get(0).seq());
      assertThat(start.epoch()).as("epoch of shard %d", shard).isGreaterThan(epochsBefore.get(shard));
    }
    return moved;
  }

  // ---- tests

  @Test
  @DisplayName("three nodes own every shard exactly once, balanced ±1, as PostgreSQL and the directory say; a fourth"
    + " receives its share by hand-off (the old owner's hand-off done before the new owner starts, at a higher"
    + " epoch; nothing else moves); a node closed gracefully hands its shards to the others the same way")
  void balanceJoinAndGracefulLeave() {
    List<Node> three = startNodes(3);
    Node a = three.get(0);
    Node b = three.get(1);
    Node c = three.get(2);
    awaitSettled(three);
    assertThat(nodes.stream().filter(node -> node.status().getBoolean("coordinator")).map(Node::id).toList())
      .as("one coordinator: the oldest member").containsExactly(a.cluster.nodes().get(0));

    Map<Integer, String> before = running(List.of(a, b, c));
    Map<Integer, Long> epochsBefore = epochs(List.of(a, b, c));
    long mark = events.mark();
    long joining = System.nanoTime();
    Node d = startNode();
    awaitSettled(List.of(a, b, c, d));
    Map<Integer, String> withD = running(List.of(a, b, c, d));
    long lastJoinStart = withD.keySet().stream().filter(shard -> withD.get(shard).equals(d.id()))
      .flatMap(shard -> events.since(mark, "start", shard).stream()).mapToLong(Event::nanos).max().orElseThrow();
    System.out.printf("[shard ownership] a fourth node: joined the cluster and opened the journal in %d ms, its"
      + " share running %d ms after its ownership started%n", TimeUnit.NANOSECONDS.toMillis(d.deployedAt - joining),
      TimeUnit.NANOSECONDS.toMillis(lastJoinStart - d.deployedAt));
    Set<Integer> moved = assertHandedOffBeforeStarted(mark, before, epochsBefore, withD);
    assertThat(moved).as("the new node's share, and only that").hasSize(SHARDS / 4)
      .allSatisfy(shard -> assertThat(withD.get(shard)).isEqualTo(d.id()));

    Map<Integer, Long> epochsWithD = epochs(List.of(a, b, c, d));
    Set<Integer> ofB = new HashSet<>(b.host.running.keySet());
    long leaveMark = events.mark();
    long closing = System.nanoTime();
    b.close();
    long closedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing);
    assertThat(b.host.running).as("B handed every shard off before its Vert.x closed").isEmpty();
    awaitSettled(List.of(a, c, d));
    Map<Integer, String> afterB = running(List.of(a, c, d));
    long lastStart = ofB.stream().flatMap(shard -> events.since(leaveMark, "start", shard)
      .stream()).mapToLong(Event::nanos).max().orElseThrow();
    System.out.printf("[shard ownership] graceful leave: close took %d ms, every shard of the leaving node ran"
      + " again %d ms after the close began%n", closedMs, TimeUnit.NANOSECONDS.toMillis(lastStart - closing));
    assertThat(assertHandedOffBeforeStarted(leaveMark, withD, epochsWithD, afterB)).as("only B's shards moved")
      .isEqualTo(ofB);
  }

  @Test
  @DisplayName("the coordinator killed abruptly (its Hazelcast member terminated, no hand-off) loses its shards to the"
    + " survivors, at higher epochs, balanced, under the next oldest member as coordinator; the takeover time is"
    + " printed")
  void abruptKill() {
    List<Node> three = startNodes(3);
    awaitSettled(three);
    // The hardest case: the node that publishes the plans is the one that dies.
    Node c = three.stream().filter(node -> node.status().getBoolean("coordinator")).findFirst().orElseThrow();
    List<Node> survivors = three.stream().filter(node -> node != c).toList();
    Node a = survivors.get(0);
    Node b = survivors.get(1);
    Map<Integer, Long> epochsBefore = epochs(List.of(a, b, c));
    Set<Integer> ofC = new HashSet<>(c.host.running.keySet());
    AtomicLong removedAt = new AtomicLong();
    a.cluster.hazelcast().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        removedAt.compareAndSet(0, System.nanoTime());
      }
    });
    long mark = events.mark();

    long killed = System.nanoTime();
    c.cluster.hazelcast().getLifecycleService().terminate();
    awaitSettled(List.of(a, b));

    long lastStart = ofC.stream().flatMap(shard -> events.since(mark, "start", shard).stream())
      .filter(e -> !e.node().equals(c.id())).mapToLong(Event::nanos).max().orElseThrow();
    long takeoverMs = TimeUnit.NANOSECONDS.toMillis(lastStart - killed);
    System.out.printf("[shard ownership] abrupt kill: member removed after %d ms, all %d of its shards running"
      + " on the survivors after %d ms%n", TimeUnit.NANOSECONDS.toMillis(removedAt.get() - killed), ofC.size(),
      takeoverMs);
    assertThat(takeoverMs).as("a generous bound: the figure to watch is printed").isLessThan(30_000);
    Map<Integer, Long> epochsAfter = epochs(List.of(a, b));
    for (int shard : ofC) {
      assertThat(epochsAfter.get(shard)).isGreaterThan(epochsBefore.get(shard));
    }
    assertThat(survivors.stream().filter(node -> node.status().getBoolean("coordinator")).map(Node::id).toList())
      .containsExactly(a.cluster.nodes().get(0));
    assertThat(c.status().getBoolean("detached")).as("the killed node dropped what it had").isTrue();
    assertThat(c.status().getJsonArray("owned")).isEmpty();
  }

  @Test
  @DisplayName("split-brain rule: a node left alone by two of three members (no majority) drops every shard and takes"
    + " none, although it is the only member it sees; when a new node joins, the two are a majority and run them all")
  void noShardsWithoutAMajority() {
    List<Node> three = startNodes(3);
    awaitSettled(three);
    // The member last in the plan's order: if the two deaths are seen one at a time (a plan of two in between), it
    // is not the one an even split lets go on either.
    Node alone = three.stream().max(java.util.Comparator.comparing(Node::id)).orElseThrow();
    for (Node other : three) {
      if (other != alone) {
        other.cluster.hazelcast().getLifecycleService().terminate();
      }
    }
    Poll.until("the survivor sees itself alone, runs nothing and says it has no majority", SETTLE, () -> {
      JsonObject status = alone.status();
      return status.getJsonArray("members").size() == 1 && !status.getBoolean("majority")
        && status.getJsonArray("owned").isEmpty() && status.getInteger("moving") == 0;
    }, () -> alone.status().encode());
    assertThat(alone.host.running).as("without a majority, nothing runs").isEmpty();

    Node joined = startNode();
    awaitSettled(List.of(alone, joined));
    assertThat(alone.status().getBoolean("majority")).isTrue();
  }

  @Test
  @DisplayName("a stale owner whose epoch another node superseded cannot write (ShardFencedException), drops the"
    + " shard when it reports it, and does not take it again while the plan is unchanged; a running shard's claim and"
    + " directory entry that Hazelcast lost are put back")
  void staleOwnerIsFencedAndDropsTheShard() {
    List<Node> two = startNodes(2);
    Node a = two.get(0);
    Node b = two.get(1);
    awaitSettled(two);
    int shard = a.host.running.keySet().stream().sorted().findFirst().orElseThrow();
    long epoch = a.host.running.get(shard);

    // Someone else took the shard's epoch (e.g. a node that evicted A while A was frozen).
    ShardLease usurped = Await.result(b.journal.acquireShard(shard, "usurper"));
    assertThat(usurped.epoch()).isEqualTo(epoch + 1);

    long mark = events.mark();
    JournalEntry entry = new JournalEntry(0, "stale-1", "default", "contact-1", "key-1",
      new JsonObject().put("text", "hello"), System.currentTimeMillis(), 0, null);
    Throwable refused = Await.failure(a.journal.forShard(shard, epoch).append(entry, 0));
    assertThat(refused).isInstanceOf(ShardFencedException.class);
    a.ownership.reportFenced(shard, epoch);

    Poll.until("A dropped shard " + shard, SETTLE, () -> !a.host.running.containsKey(shard)
      && a.status().getJsonArray("fenced").contains(shard));
    assertThat(events.since(mark, "handedOff", shard)).extracting(Event::node).containsExactly(a.id());
    long checks = a.status().getLong("checks");
    Poll.until("A checked its shards twice more", SETTLE, () -> a.status().getLong("checks") >= checks + 2);
    assertThat(events.since(mark, "start", shard)).as("nobody took it again: the plan still gives it to A")
      .isEmpty();
    JsonObject status = a.status();
    assertThat(status.getJsonArray("owned").stream().map(o -> ((JsonObject) o).getInteger("shard")))
      .doesNotContain(shard);
    assertThat(status.getInteger("moving")).isZero();
    Row row = shardOwners().stream().filter(r -> r.getInteger("shard") == shard).findFirst().orElseThrow();
    assertThat(row.getString("owner")).isEqualTo("usurper");
    assertThat(row.getLong("epoch")).isEqualTo(epoch + 1);
    assertThat(Await.result(a.ownership.ownerOf(shard))).as("A's directory entry is gone").isNull();

    // Hazelcast loses what A holds for another shard (as when a member dies while partitions migrate).
    int other = a.host.running.keySet().stream().sorted().findFirst().orElseThrow();
    long otherEpoch = a.host.running.get(other);
    com.hazelcast.map.IMap<Integer, String> claims = b.cluster.hazelcast().getMap(ShardMaps.CLAIMS);
    claims.forceUnlock(other);
    b.cluster.hazelcast().getMap(ShardMaps.OWNERS).delete(other);
    Poll.until("A put its claim and directory entry back", SETTLE, () -> claims.isLocked(other)
      && new ShardOwner(a.id(), otherEpoch).equals(Await.result(b.ownership.ownerOf(other))));
    assertThat(claims.tryLock(other)).as("the claim is A's again, not free for B").isFalse();
    assertThat(a.host.running).containsEntry(other, otherEpoch);
  }

  @Test
  @DisplayName("a start that fails is cleaned up (hand-off), its epoch released, and retried at a higher epoch; a"
    + " hand-off that never completes is cut off after handOffTimeoutMs: the shard moves anyway and the stuck"
    + " owner's writes are refused")
  void failingHost() {
    failOnce.addAll(Set.of(0, 1));
    handOffTimeoutMs = 500;
    List<Node> two = startNodes(2);
    awaitSettled(two);
    for (int shard : List.of(0, 1)) {
      Event failed = events.since(0, "startFailed", shard).get(0);
      List<Event> starts = events.since(failed.seq(), "start", shard);
      assertThat(starts).as("shard %d started again after its failed start", shard).hasSize(1);
      assertThat(starts.get(0).node()).isEqualTo(failed.node());
      assertThat(starts.get(0).epoch()).isGreaterThan(failed.epoch());
      assertThat(events.since(failed.seq(), "handOff", shard)).as("the failed start was cleaned up")
        .extracting(Event::node).first().isEqualTo(failed.node());
    }

    Node a = two.get(0);
    Map<Integer, Long> ofA = Map.copyOf(a.host.running);
    a.host.handOffHangs = true;
    long mark = events.mark();
    Node c = startNode();
    Poll.until("the newcomer runs its share", SETTLE, () -> c.host.running.size() == SHARDS / 3
      && c.status().getInteger("moving") == 0 && a.status().getInteger("moving") == 0);
    Set<Integer> fromA = new HashSet<>(c.host.running.keySet());
    fromA.retainAll(ofA.keySet());
    assertThat(fromA).as("A gave some of its shards to the newcomer although its hand-offs hang").isNotEmpty();
    for (int shard : fromA) {
      Event handOff = events.since(mark, "handOff", shard).get(0);
      Event start = events.since(mark, "start", shard).get(0);
      assertThat(handOff.node()).isEqualTo(a.id());
      assertThat(TimeUnit.NANOSECONDS.toMillis(start.nanos() - handOff.nanos()))
        .as("shard %d moved only after the hand-off timeout", shard).isGreaterThanOrEqualTo(500);
      assertThat(start.epoch()).isGreaterThan(ofA.get(shard));
      assertThat(a.host.running).as("A's host is still stuck with shard %d", shard).containsKey(shard);
      JournalEntry late = new JournalEntry(0, "late-" + shard, "default", "contact-" + shard, null,
        new JsonObject().put("text", "late"), System.currentTimeMillis(), 0, null);
      assertThat(Await.failure(a.journal.forShard(shard, ofA.get(shard)).append(late, 0)))
        .isInstanceOf(ShardFencedException.class);
    }
    a.host.running.keySet().removeAll(fromA); // the stuck shards are gone for good
    a.host.handOffHangs = false; // the node closes normally
  }

  @Test
  @DisplayName("a node whose process was frozen longer than pauseSuspectMs drops every shard at once, stays out for"
    + " the quarantine, then takes its shards again at higher epochs; the other node is not disturbed")
  void frozenNodeDropsItsShards() {
    pauseSuspectMs = 1_000;
    List<Node> two = startNodes(2);
    awaitSettled(two);
    Node a = two.get(0);
    Node b = two.get(1);
    Map<Integer, Long> ofA = Map.copyOf(a.host.running);
    Map<Integer, Long> ofB = Map.copyOf(b.host.running);
    long mark = events.mark();

    Promise<Long> thawed = Promise.promise();
    a.host.context.runOnContext(v -> { // the freeze itself: A's ownership context does nothing for 1.5 s
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
      while (System.nanoTime() - end < 0) {
        Thread.onSpinWait();
      }
      thawed.complete(System.nanoTime());
    });
    long thawedAt = Await.result(thawed.future());
    awaitSettled(two);

    for (int shard : ofA.keySet()) {
      List<Event> dropped = events.since(mark, "handedOff", shard);
      List<Event> taken = events.since(mark, "start", shard);
      assertThat(dropped).as("A dropped shard %d", shard).extracting(Event::node).containsExactly(a.id());
      assertThat(taken).as("A took shard %d again", shard).extracting(Event::node).containsExactly(a.id());
      assertThat(taken.get(0).epoch()).isGreaterThan(ofA.get(shard));
      assertThat(TimeUnit.NANOSECONDS.toMillis(taken.get(0).nanos() - thawedAt)).as("after the quarantine")
        .isGreaterThanOrEqualTo(1_000);
    }
    assertThat(b.host.running).as("B's shards untouched").isEqualTo(ofB);
  }
}
