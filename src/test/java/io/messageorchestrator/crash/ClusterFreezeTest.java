package io.messageorchestrator.crash;

import io.messageorchestrator.cluster.TestClusters;
import io.messageorchestrator.crash.AgentAndReplySink.Call;
import io.messageorchestrator.crash.AgentAndReplySink.Reply;
import io.messageorchestrator.crash.Traffic.Planned;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K5 the hard way, for a frozen node: three nodes in three JVMs share one PostgreSQL journal; node 2 is frozen with
 * SIGSTOP while it has agent calls in flight, the cluster evicts it and the survivors take its conversations over
 * (the calls it had in flight are made again, attempt 2), then it is thawed with SIGCONT. Woken up, it still holds
 * the agent's answers to those calls and still believes it owns its shards — but its epochs were superseded: it
 * delivers no reply for a message that a survivor processed again, drops its shards, stays out while it is a cluster
 * of one (the split-brain rule: it sees one of the plan's three members), and runs shards again only once Hazelcast
 * merged it back; meanwhile its readiness is DOWN. Nothing accepted is lost.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@DisplayName("three nodes in separate JVMs: a SIGSTOPped node is evicted, and fenced when it resumes")
class ClusterFreezeTest {
  private static final int CONTACTS = 120;
  private static final int PER_CONTACT = 8;
  private static final int SHARDS = 12;
  /** Long enough that the frozen node has calls in flight whose answers it reads when it wakes up. */
  private static final long AGENT_DELAY_MS = 300;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
  /** Generous on 2 shared cores: Hazelcast evicts a silent member after 5 s (the README's ~10 s with detection). */
  private static final Duration EVICTION_BOUND = Duration.ofSeconds(15);
  private static final int FROZEN = 2;
  private static final int ENTRY = 1;

  @TempDir
  Path dir;
  private Vertx vertx;
  private AgentAndReplySink endpoints;
  private Traffic traffic;
  private final String schema = TestPostgres.uniqueSchema("freeze");
  private final List<ServiceProcess> nodes = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    endpoints = new AgentAndReplySink(vertx, AGENT_DELAY_MS);
    traffic = new Traffic(vertx, CONTACTS, PER_CONTACT);
  }

  @AfterEach
  void stopEverything() {
    nodes.forEach(ServiceProcess::close); // SIGKILL ends a stopped process too
    TestPostgres.dropSchema(vertx, schema);
    traffic.close();
    endpoints.close();
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("SIGSTOP: evicted within seconds, its conversations taken over; after SIGCONT it delivers no reply for"
    + " a message it lost, runs no shard until merged back, then takes its share again; every accepted message"
    + " answered")
  void frozenNodeIsFencedWhenItResumes() {
    String name = TestClusters.uniqueName();
    List<Integer> ports = List.of(TestClusters.freePort(), TestClusters.freePort(), TestClusters.freePort());
    IntStream.range(0, 3).forEach(i -> nodes.add(ServiceProcess.start(dir, "node" + i, config(i, name, ports))));
    nodes.forEach(node -> node.awaitReady(START_TIMEOUT));
    Poll.until("the shards run, 4 on each node", START_TIMEOUT,
      () -> nodes.stream().allMatch(node -> ownedShards(node) == SHARDS / 3));

    Future<Void> sent = traffic.sendAll(nodes.get(ENTRY).baseUrl());
    Poll.until("node 2 is processing (30 calls)", SETTLE_TIMEOUT, () -> callsOf(FROZEN) >= 30);
    int callsBeforeFreeze = endpoints.calls().size();
    long frozenAt = System.nanoTime();
    nodes.get(FROZEN).freeze();

    Poll.until("the survivors evicted the frozen node", EVICTION_BOUND, () -> memberCount(nodes.get(0)) == 2);
    long evictedMs = msSince(frozenAt);
    Set<String> servedByFrozen = endpoints.calls().stream().filter(call -> call.generation() == FROZEN)
      .map(Call::contactId).collect(Collectors.toSet());
    Poll.until("a survivor processes a conversation of the frozen node", EVICTION_BOUND,
      () -> endpoints.calls().stream().skip(callsBeforeFreeze)
        .anyMatch(call -> call.generation() != FROZEN && servedByFrozen.contains(call.contactId())));
    long takeoverMs = msSince(frozenAt);

    int repliesBeforeThaw = endpoints.replies().size();
    nodes.get(FROZEN).thaw();
    long thawedAt = System.nanoTime();
    // K6: a node out of the cluster's work says so — DOWN while it stays out (quarantine, then no majority).
    Poll.until("the thawed node's readiness is DOWN while it runs no shard", Duration.ofSeconds(6),
      () -> nodes.get(FROZEN).readiness() == 503);
    String problem = ClusterProcesses.clusterCheck(nodes.get(FROZEN)).map(data -> data.getString("problem"))
      .orElse("");
    Await.result(sent, 120);

    Set<String> acceptedIds = traffic.accepted().stream().map(Planned::messageId).collect(Collectors.toSet());
    Poll.until("every accepted message is answered", SETTLE_TIMEOUT,
      () -> repliedMessageIds().containsAll(acceptedIds),
      () -> "missing replies: " + acceptedIds.stream().filter(id -> !repliedMessageIds().contains(id)).limit(10)
        .toList());
    Poll.until("the thawed node is merged back and runs its share again", SETTLE_TIMEOUT,
      () -> ownedShards(nodes.get(FROZEN)) == SHARDS / 3 && nodes.get(FROZEN).readiness() == 200);
    long backMs = msSince(thawedAt);

    List<Call> calls = endpoints.calls();
    // The calls the frozen node had in flight: made before the freeze and made again by a survivor afterwards.
    Set<String> retakenBySurvivors = calls.stream().skip(callsBeforeFreeze)
      .filter(call -> call.generation() != FROZEN).map(Call::messageId).collect(Collectors.toSet());
    Set<String> inFlightAtFreeze = calls.stream().limit(callsBeforeFreeze)
      .filter(call -> call.generation() == FROZEN && retakenBySurvivors.contains(call.messageId()))
      .map(Call::messageId).collect(Collectors.toSet());
    assertThat(inFlightAtFreeze).as("the frozen node had agent calls in flight that a survivor made again").isNotEmpty();
    // Fencing: what the thawed node still delivers is only for messages it finished before it lost them.
    Map<String, String> messageIdOf = messageIdsByProcessId(calls);
    List<String> zombieReplies = endpoints.replies().stream().skip(repliesBeforeThaw)
      .filter(reply -> reply.generation() == FROZEN)
      .map(reply -> messageIdOf.get(reply.processId()))
      .filter(retakenBySurvivors::contains).toList();
    assertThat(zombieReplies).as("replies the thawed node delivered for messages a survivor processed again").isEmpty();
    for (String messageId : inFlightAtFreeze) {
      assertThat(repliesTo(messageId)).as("replies to %s, in flight on the frozen node", messageId)
        .isNotEmpty().allSatisfy(reply -> assertThat(reply.generation()).isNotEqualTo(FROZEN));
    }
    System.out.println("cluster-freeze: " + new JsonObject().put("messages", traffic.planned())
      .put("accepted", acceptedIds.size()).put("agentCalls", calls.size())
      .put("inFlightAtFreeze", inFlightAtFreeze.size()).put("freezeToEvictionMs", evictedMs)
      .put("freezeToFirstTakeoverCallMs", takeoverMs).put("thawToShardsAgainMs", backMs).encode());
    assertThat(nodes.get(FROZEN).output()).as("the thawed node says why it dropped its shards")
      .contains("was frozen for");
    assertThat(problem).as("its readiness says why").containsAnyOf("was frozen", "not a majority");
  }

  private List<Reply> repliesTo(String messageId) {
    Map<String, String> messageIdOf = messageIdsByProcessId(endpoints.calls());
    return endpoints.replies().stream().filter(reply -> messageId.equals(messageIdOf.get(reply.processId()))).toList();
  }

  private static Map<String, String> messageIdsByProcessId(List<Call> calls) {
    Map<String, String> messageIdOf = new HashMap<>();
    calls.forEach(call -> messageIdOf.put(call.processId(), call.messageId()));
    return messageIdOf;
  }

  private Set<String> repliedMessageIds() {
    Map<String, String> messageIdOf = messageIdsByProcessId(endpoints.calls());
    return endpoints.replies().stream().map(reply -> messageIdOf.get(reply.processId())).collect(Collectors.toSet());
  }

  private int callsOf(int generation) {
    return (int) endpoints.calls().stream().filter(call -> call.generation() == generation).count();
  }

  private static long msSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  private static int memberCount(ServiceProcess node) {
    return ClusterProcesses.clusterCheck(node).map(data -> data.getInteger("memberCount", 0)).orElse(0);
  }

  private static int ownedShards(ServiceProcess node) {
    return ClusterProcesses.ownedShards(node).size();
  }

  private JsonObject config(int node, String name, List<Integer> ports) {
    return ClusterProcesses.nodeConfig(endpoints, node, 0, schema, name, ports, SHARDS);
  }

}
