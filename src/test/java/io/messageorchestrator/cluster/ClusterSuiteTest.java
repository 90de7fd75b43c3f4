package io.messageorchestrator.cluster;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K2–K4 with the whole suite: two nodes (clustered Vert.x in this JVM, one PostgreSQL schema) share the shards; a
 * message sent to either node is processed once, by its shard's owner, in each conversation's order; a node that
 * stops hands its shards to the other, and nothing it had accepted is lost.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@DisplayName("the suite in cluster mode: two nodes")
class ClusterSuiteTest {
  private static final int SHARDS = 8;
  private static final int CONTACTS = 16;

  private final String schema = TestPostgres.uniqueSchema("clustersuite");
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<OrchestratorSuite> suites = new ArrayList<>();
  /** Agent calls: text → the node that ran it. */
  private final Map<String, List<String>> calls = new ConcurrentHashMap<>();
  /** Each contact's texts in the order its agent calls started. */
  private final Map<String, List<String>> orderByContact = new ConcurrentHashMap<>();

  @AfterEach
  void stopEverything() {
    for (OrchestratorSuite suite : suites) {
      Await.result(suite.stop().recover(ignored -> Future.succeededFuture()), 60);
    }
    Await.result(Future.join(nodes.stream().map(node -> node.vertx().close()).toList()), 60);
    Vertx cleanup = Vertx.vertx();
    TestPostgres.dropSchema(cleanup, schema);
    Await.result(cleanup.close());
  }

  private OrchestratorSuite startNode(String name, String label, int port, List<Integer> ports) {
    ClusterNode node = Await.result(ClusterNode.join(TestClusters.loopback(name, port, ports), new VertxOptions(),
      null), 90);
    nodes.add(node);
    JsonObject config = Suites.baseConfig()
      .put("shutdownGracePeriod", 2_000)
      .put("journal", TestPostgres.journalConfig(schema, 2))
      .put("cluster", TestClusters.clusterConfig(name, port, ports, SHARDS));
    OrchestratorSuite suite = Await.result(OrchestratorSuite.deploy(node.vertx(), OrchestratorConfig.from(config),
      OrchestratorSuite.Options.defaults().withoutHttp().withCluster(node).withProcessor((message, context) -> {
        calls.computeIfAbsent(message.text(), ignored -> new CopyOnWriteArrayList<>()).add(label);
        orderByContact.computeIfAbsent(context.contactId(), ignored -> new CopyOnWriteArrayList<>())
          .add(message.text());
        return AgentReply.of("re:" + message.text());
      })), 90);
    suites.add(suite);
    return suite;
  }

  private static int owned(OrchestratorSuite suite) {
    return Await.result(suite.shardOwnership()).getJsonArray("owned").size();
  }

  private static String contact(int i) {
    return "+1555010" + String.format("%04d", i);
  }

  /** Sends round {@code round} of every contact through {@code suite}'s client, each contact's in order. */
  private static List<ProcessResult> sendRound(OrchestratorSuite suite, int round) {
    List<Future<ProcessResult>> answers = new ArrayList<>();
    for (int i = 0; i < CONTACTS; i++) {
      answers.add(suite.client().accept(contact(i), InboundMessage.text("r" + round + "-c" + i, "wamid-r" + round
        + "-c" + i)));
    }
    return Await.result(Future.all(answers).map(all -> all.<ProcessResult>list()), 60);
  }

  @Test
  @DisplayName("messages sent to either node are each processed once by their shard's owner, both nodes run shards;"
    + " a node that stops hands its shards off and the other processes what comes next, also in shards that come back"
    + " to it; a redelivery is a duplicate")
  void twoNodesShareAndHandOff() {
    String name = TestClusters.uniqueName();
    List<Integer> ports = List.of(TestClusters.freePort(), TestClusters.freePort());
    OrchestratorSuite a = startNode(name, "a", ports.get(0), ports);
    Poll.until("node a runs every shard", Duration.ofSeconds(60), () -> owned(a) == SHARDS);

    // Round 0 through node a alone, round 1 through node b: each conversation's second message after its first.
    assertThat(sendRound(a, 0)).allSatisfy(result -> assertThat(result.status())
      .isIn(ProcessResult.Status.ACCEPTED, ProcessResult.Status.PROCESSED));
    Poll.until("round 0 processed", Duration.ofSeconds(60), () -> calls.size() == CONTACTS);
    OrchestratorSuite b = startNode(name, "b", ports.get(1), ports);
    Poll.until("the shards are shared", Duration.ofSeconds(60), () -> owned(a) == SHARDS / 2 && owned(b) == SHARDS / 2);
    assertThat(sendRound(b, 1)).allSatisfy(result -> assertThat(result.status())
      .isIn(ProcessResult.Status.ACCEPTED, ProcessResult.Status.PROCESSED));
    Poll.until("round 1 processed", Duration.ofSeconds(60), () -> calls.size() == 2 * CONTACTS);
    assertThat(calls.values()).as("each message processed once").allSatisfy(ran -> assertThat(ran).hasSize(1));
    assertThat(calls.values().stream().map(ran -> ran.get(0)).distinct().toList()).as("both nodes run shards")
      .containsExactlyInAnyOrder("a", "b");
    for (int i = 0; i < CONTACTS; i++) {
      assertThat(orderByContact.get(contact(i))).containsExactly("r0-c" + i, "r1-c" + i);
    }
    // A provider's redelivery, through the other node than the first time: a duplicate, not processed again.
    assertThat(Await.result(b.client().accept(contact(3), InboundMessage.text("r0-c3", "wamid-r0-c3")), 60)
      .duplicate()).isTrue();

    // Node b stops: its shards are handed off to a, which processes the next round for every conversation — half of
    // them in shards that come back to a, whose process ids must not repeat those of round 0 (a new epoch each time).
    Await.result(b.stop(), 60);
    suites.remove(b);
    assertThat(sendRound(a, 2)).allSatisfy(result -> assertThat(result.status())
      .isIn(ProcessResult.Status.ACCEPTED, ProcessResult.Status.PROCESSED));
    Poll.until("round 2 processed on a", Duration.ofSeconds(60), () -> calls.size() == 3 * CONTACTS);
    for (int i = 0; i < CONTACTS; i++) {
      assertThat(calls.get("r2-c" + i)).containsExactly("a");
      assertThat(orderByContact.get(contact(i))).containsExactly("r0-c" + i, "r1-c" + i, "r2-c" + i);
    }
  }
}
