package io.messageorchestrator.cluster;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.http.WebhookRoutes;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K6 — one system to operate, through the HTTP of two nodes (clustered Vert.x in this JVM, one PostgreSQL schema):
 * node A's {@code /admin/events} streams node B's events too, each once and naming the node that published it; an
 * event-fed counter counts an event on its own node only; the per-contact admin operations, asked of node A, act on
 * a conversation node B runs; {@code /stats} shows the cluster's conversations and the asked node's counters; and a
 * node whose Hazelcast member died is DOWN on {@code /health/ready}, saying why.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@DisplayName("cluster mode: one system to operate (events, stats, admin operations, readiness over HTTP)")
class ClusterOperationsTest {
  private static final int SHARDS = 8;
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String HOST = "127.0.0.1";

  private final String schema = TestPostgres.uniqueSchema("clusterops");
  private final List<ClusterNode> nodes = new ArrayList<>();
  private final List<OrchestratorSuite> suites = new ArrayList<>();
  /** The test's own (plain) Vert.x: its HTTP clients are nobody's node. */
  private final Vertx outside = Vertx.vertx();
  private final WebClient web = WebClient.create(outside);
  /** Agent calls: text → the labels of the nodes that ran it. */
  private final Map<String, List<String>> calls = new ConcurrentHashMap<>();
  /** Texts starting with "block" wait for this; the node running one completes {@link #blocked}. */
  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<String> blocked = new CompletableFuture<>();
  /** Texts starting with "fail" fail while this is set. */
  private volatile boolean failing = true;

  @AfterEach
  void stopEverything() {
    release.countDown();
    for (OrchestratorSuite suite : suites) {
      Await.result(suite.stop().recover(ignored -> Future.succeededFuture()), 60);
    }
    Await.result(Future.join(nodes.stream().map(node -> node.vertx().close()).toList())
      .recover(ignored -> Future.succeededFuture()), 60);
    web.close();
    TestPostgres.dropSchema(outside, schema);
    Await.result(outside.close());
  }

  private OrchestratorSuite startNode(String name, String label, int port, List<Integer> ports) {
    ClusterNode node = Await.result(ClusterNode.join(TestClusters.loopback(name, port, ports), new VertxOptions(),
      null), 90);
    nodes.add(node);
    JsonObject config = Suites.baseConfig()
      .put("shutdownGracePeriod", 2_000)
      .put("processingTimeout", 120_000) // the blocked call ends by the test's unlock, never by a timeout
      .put("http", new JsonObject().put("host", HOST).put("port", 0).put("instances", 1))
      .put("journal", TestPostgres.journalConfig(schema, 2))
      .put("cluster", TestClusters.clusterConfig(name, port, ports, SHARDS));
    OrchestratorSuite suite = Await.result(OrchestratorSuite.deploy(node.vertx(), OrchestratorConfig.from(config),
      OrchestratorSuite.Options.defaults().withCluster(node).withProcessor((message, context) -> {
        calls.computeIfAbsent(message.text(), ignored -> new CopyOnWriteArrayList<>()).add(label);
        if (message.text().startsWith("block")) {
          blocked.complete(label);
          release.await(); // on a virtual thread; an unlock interrupts it
        }
        if (message.text().startsWith("fail") && failing) {
          throw new IllegalStateException("the test's agent fails " + message.text());
        }
        return AgentReply.of("re:" + message.text());
      })), 90);
    suites.add(suite);
    return suite;
  }

  @Test
  @DisplayName("A's /admin/events shows B's events once each with node = B; A unlocks, reads and replays B's"
    + " conversations; /stats has the cluster's contacts and the node's counters; B without Hazelcast is DOWN")
  void oneSystemToOperate() throws Exception {
    String name = TestClusters.uniqueName();
    List<Integer> ports = List.of(TestClusters.freePort(), TestClusters.freePort());
    OrchestratorSuite a = startNode(name, "a", ports.get(0), ports);
    OrchestratorSuite b = startNode(name, "b", ports.get(1), ports);
    String nodeA = HOST + ":" + ports.get(0);
    String nodeB = HOST + ":" + ports.get(1);
    Poll.until("both nodes ready, the shards split between them and none moving", PATIENCE,
      () -> owned(a).size() + owned(b).size() == SHARDS && !owned(a).isEmpty() && !owned(b).isEmpty()
        && moving(a) == 0 && moving(b) == 0,
      () -> readiness(a) + " / " + readiness(b));
    List<Integer> shardsOfB = owned(b);
    List<String> ofB = contacts(shardsOfB, true, 4);
    String contactOfA = contacts(shardsOfB, false, 1).get(0);

    // A's event stream. B publishes to it once B's view of the cluster's subscriptions has it (Hazelcast spreads
    // them asynchronously): probe until a message of B's shows on the stream.
    EventStream stream = EventStream.open(outside, a.httpPort());
    for (int probe = 1; ; probe++) {
      assertThat(probe).as("probes until A's stream shows B's events").isLessThanOrEqualTo(30);
      String text = "probe-" + probe;
      assertThat(webhook(a, ofB.get(0), text).getString("status")).isEqualTo("processed");
      if (within(Duration.ofSeconds(2), () -> stream.find("messageProcessed", text, "replyDelivered") != null)) {
        break;
      }
    }

    // Messages through both nodes' webhooks, to conversations each node runs.
    for (int i = 0; i < 3; i++) {
      assertThat(webhook(a, ofB.get(0), "to-b-" + i).getString("status")).isEqualTo("processed");
      assertThat(webhook(b, contactOfA, "to-a-" + i).getString("status")).isEqualTo("processed");
    }
    Poll.until("A's stream shows every message's reply delivered", PATIENCE, () -> {
      for (int i = 0; i < 3; i++) {
        if (stream.find("messageProcessed", "to-b-" + i, "replyDelivered") == null
          || stream.find("messageProcessed", "to-a-" + i, "replyDelivered") == null) {
          return false;
        }
      }
      return true;
    });
    for (int i = 0; i < 3; i++) {
      assertThat(calls.get("to-b-" + i)).as("run by its shard's owner").containsExactly("b");
      assertThat(calls.get("to-a-" + i)).containsExactly("a");
      JsonObject onB = stream.find("messageProcessed", "to-b-" + i, "messageProcessed");
      JsonObject onA = stream.find("messageProcessed", "to-a-" + i, "messageProcessed");
      assertThat(onB.getString("node")).as("published by B").isEqualTo(nodeB);
      assertThat(onA.getString("node")).as("published by A").isEqualTo(nodeA);
      // Once each: a reply delivered by both nodes (a cluster-wide delivery consumer) would show twice.
      for (String processId : List.of(onB.getString("processId"), onA.getString("processId"))) {
        for (String event : List.of("messageProcessed", "replyDelivered", "lockAcquired")) {
          assertThat(stream.count(event, processId)).as(event + " of " + processId).isEqualTo(1);
        }
      }
    }

    // A delivery status arrives at B: A's stream shows it (node B), and only B counts it.
    HttpResponse<Buffer> status = Await.result(web.post(b.httpPort(), HOST, WebhookRoutes.TWILIO_PATH)
      .putHeader("Content-Type", "application/x-www-form-urlencoded")
      .sendBuffer(Buffer.buffer("MessageSid=SMops1&MessageStatus=delivered&To=whatsapp%3A%2B15551230000")));
    assertThat(status.statusCode()).isEqualTo(200);
    Poll.until("A's stream shows B's status", PATIENCE, () -> stream.events("statusReceived").stream()
      .anyMatch(event -> nodeB.equals(event.getString("node"))));
    Poll.until("B counted it", PATIENCE, () -> stats(b).getLong("totalStatusUpdates") == 1);
    assertThat(stats(a).getLong("totalStatusUpdates")).as("A does not count B's event").isZero();

    // A conversation B runs is locked by a call that blocks: A's admin API sees it and unlocks it.
    String locked = ofB.get(1);
    assertThat(Await.result(b.client().accept(locked, InboundMessage.text("block-1", "wamid-block-1")), 60).status())
      .isNotNull();
    assertThat(blocked.get(60, TimeUnit.SECONDS)).as("run by B").isEqualTo("b");
    JsonObject contact = admin(a, HttpMethod.GET, "/admin/contacts/" + locked);
    assertThat(contact.getBoolean("locked")).isTrue();
    // /stats on either node lists the cluster's conversations; the counters and node are the asked node's.
    JsonObject statsA = stats(a);
    JsonObject statsB = stats(b);
    assertThat(statsA.getString("node")).isEqualTo(nodeA);
    assertThat(statsB.getString("node")).isEqualTo(nodeB);
    for (JsonObject stats : List.of(statsA, statsB)) {
      assertThat(stats.getLong("activeContactCount")).isEqualTo(1);
      assertThat(stats.getJsonArray("activeContacts").stream().map(entry -> ((JsonObject) entry).getString("contactId")))
        .containsExactly(locked);
      assertThat(stats.getInteger("shards")).isEqualTo(SHARDS);
      assertThat(stats.getInteger("shardsAnswered")).as("every shard, on either node").isEqualTo(SHARDS);
      assertThat(stats.getJsonArray("unansweredShards")).isEmpty();
    }
    long ranOnA = calls.values().stream().filter(ran -> ran.contains("a")).count();
    long ranOnB = calls.values().stream().filter(ran -> ran.contains("b")).count() - 1; // the blocked call: not yet
    assertThat(statsA.getLong("totalProcessed")).as("A's counters: A's shards' work").isEqualTo(ranOnA);
    assertThat(statsB.getLong("totalProcessed")).isEqualTo(ranOnB);
    assertThat(admin(a, HttpMethod.POST, "/admin/deadlocks/resolve").getInteger("resolved"))
      .as("every shard of both nodes answered").isNotNull();
    assertThat(admin(a, HttpMethod.POST, "/admin/contacts/" + locked + "/unlock").getInteger("unlocked")).isEqualTo(1);
    Poll.until("the conversation is unlocked", PATIENCE,
      () -> !admin(a, HttpMethod.GET, "/admin/contacts/" + locked).getBoolean("locked"));
    Poll.until("A's stream shows B's lockReleased", PATIENCE, () -> stream.events("lockReleased").stream()
      .anyMatch(event -> locked.equals(event.getString("contactId")) && nodeB.equals(event.getString("node"))));

    // A message of a conversation B runs fails (a dead letter); A lists it, reads it and replays it (run by B).
    String failed = ofB.get(2);
    assertThat(webhook(a, failed, "fail-1").getString("status")).isEqualTo("failed");
    Poll.until("A's stream shows B's dead letter", PATIENCE, () -> stream.events("messageDeadLettered").stream()
      .anyMatch(event -> failed.equals(event.getString("contactId")) && nodeB.equals(event.getString("node"))));
    JsonArray letters = admin(a, HttpMethod.GET, "/admin/dead-letters").getJsonArray("deadLetters");
    String deadLetter = letters.stream().map(JsonObject.class::cast)
      .filter(letter -> failed.equals(letter.getString("contactId"))).findFirst().orElseThrow().getString("processId");
    assertThat(admin(a, HttpMethod.GET, "/admin/dead-letters/" + deadLetter).getString("contactId")).isEqualTo(failed);
    failing = false;
    assertThat(admin(a, HttpMethod.POST, "/admin/dead-letters/" + deadLetter + "/replay").getBoolean("replayed"))
      .isTrue();
    Poll.until("the replay processed", PATIENCE, () -> stream.events("messageProcessed").stream()
      .anyMatch(event -> deadLetter.equals(event.getString("replayOf")) && nodeB.equals(event.getString("node"))
        && "processed".equals(event.getString("outcome"))));
    assertThat(calls.get("fail-1")).as("first call and replay, both by B").containsExactly("b", "b");

    // B's Hazelcast member dies under it: B's readiness is DOWN and says why; A sees it gone. (What A then runs is
    // the shard ownership's rule for a lost member, tested with it.)
    nodes.get(1).hazelcast().getLifecycleService().terminate();
    Poll.until("B's /health/ready is DOWN", PATIENCE, () -> readinessStatus(b) == 503);
    JsonObject clusterOfB = check(readiness(b), "cluster");
    assertThat(clusterOfB.getString("status")).isEqualTo("DOWN");
    assertThat(clusterOfB.getJsonObject("data").getBoolean("inCluster")).isFalse();
    assertThat(clusterOfB.getJsonObject("data").getString("problem")).isNotBlank();
    Poll.until("A sees B gone", PATIENCE,
      () -> check(readiness(a), "cluster").getJsonObject("data").getInteger("memberCount") == 1,
      () -> readiness(a).encode());
  }

  /** Whether {@code condition} holds before {@code timeout} passes (polled). */
  private static boolean within(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return true;
  }

  /** {@code count} conversations (of the default account) whose shard is ({@code in}) or is not in {@code shards}. */
  private static List<String> contacts(List<Integer> shards, boolean in, int count) {
    List<String> found = new ArrayList<>();
    for (int i = 0; found.size() < count; i++) {
      String contact = "ops-contact-" + i;
      if (shards.contains(ContactIds.shardOf(contact, SHARDS)) == in) {
        found.add(contact);
      }
    }
    return found;
  }

  /** {@code POST /webhook} (synchronous: answers the message's result) through {@code suite}'s node. */
  private JsonObject webhook(OrchestratorSuite suite, String contact, String text) {
    HttpResponse<Buffer> response = Await.result(web.post(suite.httpPort(), HOST, "/webhook")
      .sendJsonObject(new JsonObject().put("contactId", contact).put("message", new JsonObject()
        .put("text", text).put("messageId", "wamid-" + text))), 60);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  /** An admin request (loopback: no token configured) that must answer 200. */
  private JsonObject admin(OrchestratorSuite suite, HttpMethod method, String path) {
    HttpResponse<Buffer> response = Await.result(web.request(method, suite.httpPort(), HOST, path).send(), 60);
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private JsonObject stats(OrchestratorSuite suite) {
    return admin(suite, HttpMethod.GET, "/admin/stats");
  }

  private int readinessStatus(OrchestratorSuite suite) {
    return Await.result(web.get(suite.httpPort(), HOST, "/health/ready").send(), 60).statusCode();
  }

  private JsonObject readiness(OrchestratorSuite suite) {
    return Await.result(web.get(suite.httpPort(), HOST, "/health/ready").send(), 60).bodyAsJsonObject();
  }

  private static JsonObject check(JsonObject readiness, String id) {
    return readiness.getJsonArray("checks").stream().map(JsonObject.class::cast)
      .filter(check -> id.equals(check.getString("id"))).findFirst().orElseThrow();
  }

  /** The shards the node runs, from its readiness ({@code cluster} check, {@code data.shards.owned}). */
  private List<Integer> owned(OrchestratorSuite suite) {
    JsonObject shards = check(readiness(suite), "cluster").getJsonObject("data").getJsonObject("shards");
    return shards == null ? List.of() : shards.getJsonArray("owned").stream()
      .map(entry -> ((JsonObject) entry).getInteger("shard")).toList();
  }

  private int moving(OrchestratorSuite suite) {
    JsonObject shards = check(readiness(suite), "cluster").getJsonObject("data").getJsonObject("shards");
    return shards == null ? -1 : shards.getInteger("moving");
  }

  /** One {@code GET /admin/events} subscriber: whole events as they arrive, {@code data} with its {@code event}. */
  private static final class EventStream {
    private final StringBuilder pending = new StringBuilder();
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();

    static EventStream open(Vertx vertx, int port) {
      EventStream stream = new EventStream();
      HttpClient client = vertx.createHttpClient();
      CompletableFuture<Void> connected = new CompletableFuture<>();
      client.request(HttpMethod.GET, port, HOST, "/admin/events").compose(request -> request.send())
        .onSuccess(response -> stream.read(response, connected))
        .onFailure(connected::completeExceptionally);
      connected.orTimeout(60, TimeUnit.SECONDS).join();
      return stream;
    }

    /** On the client's event loop only. */
    private void read(HttpClientResponse response, CompletableFuture<Void> connected) {
      response.handler(chunk -> {
        pending.append(chunk.toString());
        int end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          String block = pending.substring(0, end);
          pending.delete(0, end + 2);
          if (block.startsWith(": connected")) {
            connected.complete(null);
          } else if (block.startsWith("event: ")) {
            int newline = block.indexOf('\n');
            events.add(new JsonObject(block.substring(block.indexOf("data: ") + 6))
              .put("event", block.substring(7, newline)));
          }
        }
      });
    }

    List<JsonObject> events(String name) {
      return events.stream().filter(event -> name.equals(event.getString("event"))).toList();
    }

    /** How many {@code name} events of this message the stream showed. */
    long count(String name, String processId) {
      return events(name).stream().filter(event -> processId.equals(event.getString("processId"))).count();
    }

    /**
     * The {@code wanted} event of the message whose {@code messageProcessed} answered {@code text}'s reply, or
     * {@code null} until the stream showed it.
     */
    JsonObject find(String processedEvent, String text, String wanted) {
      Predicate<JsonObject> isReplyTo = event -> ("re:" + text).equals(event.getString("response"));
      String processId = events(processedEvent).stream().filter(isReplyTo).map(event -> event.getString("processId"))
        .findFirst().orElse(null);
      return processId == null ? null : events(wanted).stream()
        .filter(event -> processId.equals(event.getString("processId"))).findFirst().orElse(null);
    }
  }
}
