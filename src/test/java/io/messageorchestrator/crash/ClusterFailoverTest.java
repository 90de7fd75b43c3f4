package io.messageorchestrator.crash;

import io.messageorchestrator.cluster.TestClusters;
import io.messageorchestrator.crash.AgentAndReplySink.Call;
import io.messageorchestrator.crash.AgentAndReplySink.Reply;
import io.messageorchestrator.crash.Traffic.Answer;
import io.messageorchestrator.crash.Traffic.Planned;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K4/K5/K7 the hard way: one cluster of three nodes in three JVMs ({@value ServiceProcess#HEAP} each) on loopback,
 * sharing one PostgreSQL journal schema, lives through a story of three scenarios under load — a node joins, every
 * node is restarted in turn (SIGTERM), a node is killed (SIGKILL). Each scenario has contacts of its own; a contact's
 * messages enter through the three nodes in turn (each node routes them to their shard's owner), one at a time (the
 * next once the previous was answered), and a message that a node did not accept (it was down, draining or killed) is
 * sent again with the same id through the next node. After each scenario:
 * <ul>
 *   <li>every message was accepted by some node, given to the agent and answered by exactly one reply;</li>
 *   <li>each contact's agent calls came in send order, and no two calls of one contact were in progress at once,
 *   whichever nodes made them;</li>
 *   <li>after a graceful move (join, restart) each message was called exactly once; after the kill a message is
 *   called again, and its reply possibly sent again, only if the killed node was calling it (or had just replied)
 *   when it died — at-least-once for what was in flight, and the dead process delivers nothing afterwards;</li>
 *   <li>the shards end balanced (8 of 24 per node, 12 on two) within a generous bound.</li>
 * </ul>
 * The measured numbers are printed as one JSON line per scenario ({@code cluster-join:}, {@code cluster-rolling-restart:},
 * {@code cluster-failover:}).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DisplayName("three nodes in separate JVMs under load: a join, a rolling restart and a SIGKILL lose nothing")
class ClusterFailoverTest {
  private static final int NODES = 3;
  private static final int SHARDS = 24;
  private static final long AGENT_DELAY_MS = 10;
  /** Join and rolling restart: contacts sending one message every {@value #PACED_GAP_MS} ms until the scenario ends. */
  private static final int PACED_CONTACTS = 60;
  private static final long PACED_GAP_MS = 100;
  /** The burst of the kill: 300 contacts × 10 messages, each contact as fast as it is answered. */
  private static final int BURST_CONTACTS = 300;
  private static final int BURST_PER_CONTACT = 10;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
  /** Generous on 2 shared cores; the measured figures are printed (the target is 3 s on loopback). */
  private static final long TAKEOVER_BOUND_MS = 15_000;
  private static final Duration REBALANCE_BOUND = Duration.ofSeconds(15);
  /**
   * Shards may be unserved, while a joining node starts, only between its ownership starting and its readiness (tens
   * of ms measured); without the serving rule it was 1.4-6 s here (the rest of the joining JVM's start-up).
   */
  private static final long UNSERVED_WHILE_JOINING_BOUND_MS = 1_000;

  @TempDir
  static Path dir;
  private Vertx vertx;
  private AgentAndReplySink endpoints;
  private final String schema = TestPostgres.uniqueSchema("failover");
  private final String clusterName = TestClusters.uniqueName();
  private final List<Integer> memberPorts = IntStream.range(0, NODES).mapToObj(i -> TestClusters.freePort()).toList();
  /** Fixed HTTP ports, so a restarted node is reached where it was (as behind a load balancer). */
  private final List<Integer> httpPorts = IntStream.range(0, NODES).mapToObj(i -> TestClusters.freePort()).toList();
  private final ServiceProcess[] nodes = new ServiceProcess[NODES];
  private final int[] starts = new int[NODES];
  /** Every scenario's traffic: its contacts' replies are checked once more at the end (a late duplicate). */
  private final List<Traffic> traffics = new ArrayList<>();

  @BeforeAll
  void startTwoNodes() {
    vertx = Vertx.vertx();
    endpoints = new AgentAndReplySink(vertx, AGENT_DELAY_MS);
    startNode(0);
    startNode(1);
    nodes[0].awaitReady(START_TIMEOUT);
    nodes[1].awaitReady(START_TIMEOUT);
    awaitShards("the 24 shards run, 12 on each of the two nodes", START_TIMEOUT, 12, 12, 0);
  }

  @AfterAll
  void stopEverything() {
    for (ServiceProcess node : nodes) {
      if (node != null) {
        node.close();
      }
    }
    traffics.forEach(Traffic::close);
    TestPostgres.dropSchema(vertx, schema);
    endpoints.close();
    Await.result(vertx.close());
  }

  @Test
  @Order(1)
  @DisplayName("a third node joins under load: it receives 8 of the 24 shards (8/8/8), nothing is lost, called twice"
    + " or reordered, no contact has two calls at once")
  void nodeJoinsUnderLoad() {
    Traffic traffic = traffic(0, PACED_CONTACTS, 1_000);
    Future<Void> sent = traffic.sendThrough(baseUrls(), PACED_GAP_MS);
    Poll.until("300 messages accepted by the two nodes", SETTLE_TIMEOUT, () -> traffic.acceptedCount() >= 300);

    long joining = System.nanoTime();
    ServiceProcess joiner = startNode(2);
    // While the joining JVM starts (it joins Hazelcast long before its shard ownership runs), nodes 0 and 1 keep
    // serving all 24 shards: the coordinator gives a member shards only once its ownership runs (ShardMaps'
    // serving set). Before that rule the old owners handed a third of the shards off as soon as the member appeared,
    // and those contacts waited, unserved, for the rest of its start-up (5-10 s here).
    long[] unserved = {0, System.nanoTime()};
    Poll.until("node 2 logs it is ready", START_TIMEOUT, () -> {
      boolean ready = joiner.output().contains("message-orchestrator ready:");
      long now = System.nanoTime();
      if (!ready && ClusterProcesses.ownedShards(nodes[0]).size() + ClusterProcesses.ownedShards(nodes[1]).size()
        < SHARDS) {
        unserved[0] += now - unserved[1];
      }
      unserved[1] = now;
      return ready;
    }, joiner::describe);
    joiner.awaitReady(START_TIMEOUT);
    long ready = System.nanoTime();
    assertThat(ms(unserved[0])).as("ms during which shards were unserved while node 2 was still starting")
      .isLessThan(UNSERVED_WHILE_JOINING_BOUND_MS);
    awaitShards("the joining node has its share: 8/8/8", START_TIMEOUT, 8, 8, 8);
    long balanced = System.nanoTime();
    int acceptedAtBalance = traffic.acceptedCount();
    Poll.until("node 2 calls the agent for its shards' contacts, 300 more messages accepted", SETTLE_TIMEOUT,
      () -> callsOf(traffic, 2) >= 50 && traffic.acceptedCount() >= acceptedAtBalance + 300);
    traffic.stop();
    Await.result(sent, 120);

    JsonObject measured = assertNothingLost(traffic, -1, 0);
    System.out.println("cluster-join: " + measured.put("joinStartToReadyMs", ms(ready - joining))
      .put("unservedWhileStartingMs", ms(unserved[0]))
      .put("readyToBalancedMs", ms(balanced - ready)).put("callsByJoinedNode", callsOf(traffic, 2))
      .put("longestPauseOfAContactMs", longestPause(traffic)).encode());
  }

  @Test
  @Order(2)
  @DisplayName("rolling restart under load: each node in turn stopped with SIGTERM (exit 0), started again and"
    + " given its 8 shards back; nothing is lost, called twice or reordered, no contact has two calls at once")
  void rollingRestartUnderLoad() {
    awaitShards("the three nodes run 8 shards each", REBALANCE_BOUND, 8, 8, 8);
    Traffic traffic = traffic(10_000, PACED_CONTACTS, 1_000);
    Future<Void> sent = traffic.sendThrough(baseUrls(), PACED_GAP_MS);
    Poll.until("300 messages accepted", SETTLE_TIMEOUT, () -> traffic.acceptedCount() >= 300);

    JsonArray restarts = new JsonArray();
    for (int restarted = 0; restarted < NODES; restarted++) {
      int i = restarted;
      ServiceProcess stopping = nodes[i];
      long signalled = System.nanoTime();
      stopping.terminate();
      assertThat(stopping.awaitExit(Duration.ofSeconds(60))).as(() -> "graceful stop of node " + stopping.describe())
        .isZero();
      long exited = System.nanoTime();
      int[] others = IntStream.range(0, NODES).map(n -> n == i ? 0 : 12).toArray();
      awaitShards("the two others run node " + i + "'s shards: 12/12", REBALANCE_BOUND, others);
      long handedOver = System.nanoTime();
      startNode(i).awaitReady(START_TIMEOUT);
      long ready = System.nanoTime();
      awaitShards("node " + i + " has its share back: 8/8/8", START_TIMEOUT, 8, 8, 8);
      restarts.add(new JsonObject().put("node", i).put("sigtermToExitMs", ms(exited - signalled))
        .put("exitToOthersRunAllMs", ms(handedOver - exited)).put("startToReadyMs", ms(ready - handedOver))
        .put("readyToBalancedMs", ms(System.nanoTime() - ready)));
    }
    int acceptedAfterRestarts = traffic.acceptedCount();
    Poll.until("300 more messages accepted by the restarted cluster", SETTLE_TIMEOUT,
      () -> traffic.acceptedCount() >= acceptedAfterRestarts + 300);
    traffic.stop();
    Await.result(sent, 120);

    JsonObject measured = assertNothingLost(traffic, -1, 0);
    System.out.println("cluster-rolling-restart: " + measured.put("restarts", restarts)
      .put("longestPauseOfAContactMs", longestPause(traffic)).encode());
  }

  @Test
  @Order(3)
  @DisplayName("SIGKILL of a node mid-burst (3,000 messages of 300 contacts through all three nodes): every accepted"
    + " message answered once, order kept, no two calls of a contact at once but the dead node's, the dead node's"
    + " conversations taken over within seconds")
  void killedNodeLosesNothing() {
    awaitShards("the three nodes run 8 shards each", REBALANCE_BOUND, 8, 8, 8);
    Traffic traffic = traffic(20_000, BURST_CONTACTS, BURST_PER_CONTACT);
    Future<Void> sent = traffic.sendThrough(baseUrls(), 0);
    int killed = 0;
    Poll.until("node 0 is processing (100 calls) and 1,000 messages are accepted", SETTLE_TIMEOUT,
      () -> traffic.acceptedCount() >= 1_000 && callsOf(traffic, killed) >= 100);
    long killedAt = System.nanoTime();
    nodes[killed].kill9();
    awaitShards("the survivors run all shards: 12/12", Duration.ofMillis(TAKEOVER_BOUND_MS), 0, 12, 12);
    long rebalanced = System.nanoTime();
    Await.result(sent, 180);

    JsonObject measured = assertNothingLost(traffic, killed, killedAt);
    // Takeover: the first call of a conversation node 0 had served, made by a survivor after the kill.
    List<Call> calls = callsOf(traffic);
    Set<String> servedByKilled = calls.stream().filter(call -> call.generation() == killed).map(Call::contactId)
      .collect(Collectors.toSet());
    long takeoverMs = calls.stream()
      .filter(call -> call.generation() != killed && call.atNanos() > killedAt
        && servedByKilled.contains(call.contactId()))
      .mapToLong(call -> ms(call.atNanos() - killedAt)).min().orElse(-1);
    assertThat(takeoverMs).as("a survivor called a message of a conversation node 0 had served").isNotNegative()
      .isLessThanOrEqualTo(TAKEOVER_BOUND_MS);
    System.out.println("cluster-failover: " + measured.put("conversationsOfKilledNode", servedByKilled.size())
      .put("killToFirstTakeoverCallMs", takeoverMs).put("killToShardsRunningMs", ms(rebalanced - killedAt))
      .put("killToAllAnsweredMs", ms(System.nanoTime() - killedAt)).encode());

    // The earlier scenarios' contacts got no late second reply in the meantime.
    for (Traffic earlier : traffics.subList(0, traffics.size() - 1)) {
      assertThat(duplicateReplies(earlier, -1)).as("late duplicate replies").isEmpty();
    }
  }

  /**
   * The scenario's checks (see the class comment); {@code killed} is the node killed at {@code killedAt}, -1 for none.
   * Returns the scenario's counts.
   */
  private JsonObject assertNothingLost(Traffic traffic, int killed, long killedAt) {
    List<Planned> sentMessages = traffic.byContact().stream().flatMap(List::stream)
      .filter(message -> traffic.answer(message.messageId()) != null).toList();
    List<Planned> accepted = traffic.accepted();
    assertThat(sentMessages.stream().filter(message -> traffic.answer(message.messageId()) != Answer.ACCEPTED)
      .map(message -> message.messageId() + ": " + traffic.answer(message.messageId())))
      .as("messages no node accepted within %s ms (refusals: %s)", Traffic.RESEND_DEADLINE_MS,
        traffic.refusals.stream().limit(5).toList())
      .isEmpty();
    Set<String> acceptedIds = accepted.stream().map(Planned::messageId).collect(Collectors.toSet());
    Poll.until("every accepted message is answered", SETTLE_TIMEOUT,
      () -> repliedMessageIds(traffic).containsAll(acceptedIds),
      () -> "missing replies: " + acceptedIds.stream().filter(id -> !repliedMessageIds(traffic).contains(id))
        .limit(10).toList());
    Poll.until("the agent answered every call", SETTLE_TIMEOUT,
      () -> callsOf(traffic).stream().allMatch(call -> call.endNanos() != AgentAndReplySink.NOT_ANSWERED));

    List<Call> calls = callsOf(traffic);
    assertThat(calls.stream().map(Call::messageId).collect(Collectors.toSet())).as("every accepted message was"
      + " given to the agent").containsAll(acceptedIds);
    Map<String, List<Call>> callsPerMessage = calls.stream().collect(Collectors.groupingBy(Call::messageId));
    // A message the killed node had called may be called again by its next owner if the node died before recording
    // the outcome (even if the agent had answered it just before the kill).
    assertThat(callsPerMessage.values().stream().filter(again -> again.size() > 1
        && !(again.size() == 2 && again.getFirst().generation() == killed && again.getLast().generation() != killed)))
      .as("a message is called once; twice only if the killed node called it first").isEmpty();
    assertFirstCallsInSendOrder(traffic, calls);
    assertNoOverlapPerContact(calls, killed, killedAt);
    assertThat(duplicateReplies(traffic, killed)).as("messages answered by more than one reply").isEmpty();

    long secondCalls = callsPerMessage.values().stream().filter(again -> again.size() > 1).count();
    long secondReplies = repliesOf(traffic).size() - acceptedIds.size();
    return new JsonObject().put("contacts", traffic.contacts()).put("sent", sentMessages.size())
      .put("accepted", accepted.size()).put("resentThroughAnotherNode", traffic.resentCount())
      .put("refusals", refusalsByReason(traffic)).put("agentCalls", calls.size()).put("secondCalls", secondCalls)
      .put("secondReplies", secondReplies);
  }

  /**
   * A call of the killed node still in progress at the kill as the agent saw it — or read by the agent only after the
   * kill (sent just before it): its answer reaches no one, and the next owner calls the message again.
   */
  private static boolean inFlightAtKill(Call call, int killed, long killedAt) {
    return call.generation() == killed && call.endNanos() >= killedAt;
  }

  /**
   * No two agent calls of one contact were in progress at once, across nodes — except a call of the killed node that
   * was in flight when it died: its answer reaches no one, and the contact's next owner calls again.
   */
  private static void assertNoOverlapPerContact(List<Call> calls, int killed, long killedAt) {
    Map<String, List<Call>> byContact = calls.stream()
      .filter(call -> !inFlightAtKill(call, killed, killedAt))
      .collect(Collectors.groupingBy(Call::contactId));
    List<String> overlaps = new ArrayList<>();
    byContact.forEach((contact, contactCalls) -> {
      List<Call> byStart = contactCalls.stream().sorted(Comparator.comparingLong(Call::atNanos)).toList();
      for (int i = 1; i < byStart.size(); i++) {
        Call previous = byStart.get(i - 1);
        Call call = byStart.get(i);
        if (previous.overlaps(call)) {
          overlaps.add(contact + ": " + previous + " (node " + previous.generation() + ") and " + call + " (node "
            + call.generation() + ")");
        }
      }
    });
    assertThat(overlaps).as("two agent calls of one contact in progress at once").isEmpty();
  }

  /**
   * The accepted messages answered by more than one reply, but those answered once by the killed node and once by
   * a survivor: the killed node delivered the reply and died before recording the delivery, so the next owner found
   * it undelivered in the journal and sent it again (reply delivery is at-least-once). A reply of the killed node
   * was sent before it died, even if the sink read it after the kill.
   */
  private List<String> duplicateReplies(Traffic traffic, int killed) {
    Map<String, List<Reply>> byMessage = repliesOf(traffic).stream()
      .collect(Collectors.groupingBy(Reply::messageId));
    return byMessage.entrySet().stream().filter(entry -> entry.getValue().size() > 1)
      .filter(entry -> !(entry.getValue().size() == 2 && entry.getValue().getFirst().generation() == killed
        && entry.getValue().getLast().generation() != killed))
      .map(entry -> entry.getKey() + ": " + entry.getValue()).toList();
  }

  /** Per conversation, the first call of each message comes in the order its messages were sent. */
  private static void assertFirstCallsInSendOrder(Traffic traffic, List<Call> calls) {
    Map<String, List<Integer>> firstCallOrder = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    for (Call call : calls) {
      if (seen.add(call.messageId())) {
        Planned planned = traffic.planned(call.messageId());
        firstCallOrder.computeIfAbsent(planned.contactId(), ignored -> new ArrayList<>()).add(planned.index());
      }
    }
    firstCallOrder.forEach((contact, indexes) -> assertThat(indexes).as("first calls of %s", contact).isSorted());
  }

  /** How many refusals (non-200 answers) of each status and reason. */
  private static JsonObject refusalsByReason(Traffic traffic) {
    Map<String, Long> counts = new java.util.TreeMap<>();
    for (String refusal : List.copyOf(traffic.refusals)) {
      counts.merge(refusal.substring(0, Math.min(refusal.length(), 70)), 1L, Long::sum);
    }
    JsonObject byReason = new JsonObject();
    counts.forEach(byReason::put);
    return byReason;
  }

  /** The longest time between two consecutive calls of one contact (a contact's pause while its shard moved). */
  private long longestPause(Traffic traffic) {
    Map<String, List<Call>> byContact = callsOf(traffic).stream().collect(Collectors.groupingBy(Call::contactId));
    long longest = 0;
    for (List<Call> contactCalls : byContact.values()) {
      for (int i = 1; i < contactCalls.size(); i++) {
        longest = Math.max(longest, contactCalls.get(i).atNanos() - contactCalls.get(i - 1).endNanos());
      }
    }
    return ms(longest) - PACED_GAP_MS;
  }

  private Traffic traffic(int firstContact, int contacts, int perContact) {
    Traffic traffic = new Traffic(vertx, firstContact, contacts, perContact);
    traffics.add(traffic);
    return traffic;
  }

  /** Starts node {@code i} (again) on its configuration; the caller waits until it is ready. */
  private ServiceProcess startNode(int i) {
    nodes[i] = ServiceProcess.start(dir, "node" + i + (starts[i] == 0 ? "" : "-restart" + starts[i]), config(i));
    starts[i]++;
    return nodes[i];
  }

  private List<String> baseUrls() {
    return httpPorts.stream().map(port -> "http://127.0.0.1:" + port).toList();
  }

  /**
   * Waits until node {@code i} runs {@code expected[i]} shards (0: it is down, not asked) and the nodes together run
   * every shard exactly once.
   */
  private void awaitShards(String what, Duration timeout, int... expected) {
    Poll.until(what, timeout, () -> {
      List<Integer> running = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        if (expected[i] > 0) {
          List<Integer> owned = ClusterProcesses.ownedShards(nodes[i]);
          if (owned.size() != expected[i]) {
            return false;
          }
          running.addAll(owned);
        }
      }
      return running.size() == SHARDS && Set.copyOf(running).size() == SHARDS;
    }, this::describeShards);
  }

  private String describeShards() {
    StringBuilder state = new StringBuilder();
    for (int i = 0; i < NODES; i++) {
      String view;
      try {
        view = nodes[i] == null || !nodes[i].isAlive() ? "(down)" : nodes[i].get("/health/ready").body();
      } catch (RuntimeException e) {
        view = e.toString();
      }
      state.append("\nnode ").append(i).append(": ").append(view);
    }
    return state.toString();
  }

  /** The agent calls for the traffic's contacts, in arrival order. */
  private List<Call> callsOf(Traffic traffic) {
    return endpoints.calls().stream().filter(call -> traffic.planned(call.messageId()) != null).toList();
  }

  private int callsOf(Traffic traffic, int node) {
    return (int) callsOf(traffic).stream().filter(call -> call.generation() == node).count();
  }

  private List<Reply> repliesOf(Traffic traffic) {
    return endpoints.replies().stream()
      .filter(reply -> reply.messageId() != null && traffic.planned(reply.messageId()) != null).toList();
  }

  private Set<String> repliedMessageIds(Traffic traffic) {
    return repliesOf(traffic).stream().map(Reply::messageId).collect(Collectors.toSet());
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private JsonObject config(int node) {
    // The paced contacts send faster than a person (up to 10 a second): no per-contact rate limit.
    return ClusterProcesses.nodeConfig(endpoints, node, httpPorts.get(node), schema, clusterName, memberPorts, SHARDS)
      .put("contact", new JsonObject().put("rateLimit", 0));
  }

}
