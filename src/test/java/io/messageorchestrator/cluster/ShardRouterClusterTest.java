package io.messageorchestrator.cluster;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.WireFormat;
import io.messageorchestrator.orchestrator.ShardRouters;
import io.messageorchestrator.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * K3: a process request reaches its shard's owner on another node, in JSON, and is sent again while ownership moves
 * (no node serves the shard, or the owner died holding an accept-only request) — the same idempotency key each time.
 * Two clustered Vert.x instances in this JVM, a cluster of their own.
 */
@Timeout(120)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("ShardRouter on a clustered event bus")
class ShardRouterClusterTest {
  private static final int SHARDS = 8;
  private ClusterNode a;
  private ClusterNode b;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  @BeforeAll
  void formCluster() {
    String name = TestClusters.uniqueName();
    int portA = TestClusters.freePort();
    int portB = TestClusters.freePort();
    List<ClusterNode> joined = Await.result(Future.all(
        ClusterNode.join(TestClusters.loopback(name, portA, List.of(portA, portB)), new VertxOptions(), null),
        ClusterNode.join(TestClusters.loopback(name, portB, List.of(portA, portB)), new VertxOptions(), null))
      .map(all -> all.<ClusterNode>list()), 90);
    a = joined.get(0);
    b = joined.get(1);
  }

  @AfterAll
  void leave() {
    Await.result(Future.join(a.vertx().close(), b.vertx().close()), 60);
  }

  private static ProcessRequest request(String contact, boolean acceptOnly) {
    return new ProcessRequest("default", contact, new InboundMessage("hi " + contact, null, "text", 1L, null),
      acceptOnly, null).withIdempotencyKey();
  }

  private String addressOf(ProcessRequest request) {
    return Addresses.shard(ShardRouters.create(a.vertx(), SHARDS, 1_000, 1_000, 1_000)
      .shardOf(request.account(), request.contactId()), "process");
  }

  /** Counts the sends node A makes to {@code address} (each try of the router is one). */
  private AtomicInteger countSends(Vertx vertx, String address, CountDownLatch second) {
    AtomicInteger sends = new AtomicInteger();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (delivery.message().address().equals(address) && sends.incrementAndGet() == 2) {
        second.countDown();
      }
      delivery.next();
    });
    return sends;
  }

  private <T> MessageConsumer<T> serve(Vertx vertx, String address, io.vertx.core.Handler<Message<T>> handler) {
    MessageConsumer<T> consumer = vertx.eventBus().consumer(address, handler);
    Await.result(consumer.completion());
    consumers.add(consumer);
    return consumer;
  }

  private void stopServing() {
    Await.result(Future.join(consumers.stream().map(MessageConsumer::unregister).toList()));
    consumers.clear();
  }

  @Test
  @DisplayName("no node serves the shard yet: the request is sent again until the owner on the other node takes it,"
    + " as JSON with its idempotency key, and its answer comes back as a ProcessResult")
  void retriedUntilTheOwnerServes() throws Exception {
    ProcessRequest request = request("+15550000001", true);
    String address = addressOf(request);
    CountDownLatch retried = new CountDownLatch(1);
    countSends(a.vertx(), address, retried);
    Future<ProcessResult> answer = ShardRouters.create(a.vertx(), SHARDS, 10_000, 20_000, 3_000).submit(request);
    assertThat(retried.await(20, TimeUnit.SECONDS)).as("a second try while no node serves the shard").isTrue();
    List<Object> received = new CopyOnWriteArrayList<>();
    serve(b.vertx(), address, message -> {
      received.add(message.body());
      message.reply(ProcessResult.accepted("p-1", 0).toJson());
    });
    try {
      ProcessResult result = Await.result(answer, 30);
      assertThat(result).isEqualTo(ProcessResult.accepted("p-1", 0));
      assertThat(received).singleElement().isInstanceOfSatisfying(JsonObject.class, body -> {
        assertThat(body.getString("contactId")).isEqualTo("+15550000001");
        assertThat(body.getString("idempotencyKey")).isEqualTo(request.idempotencyKey()).isNotBlank();
        assertThat(body.getBoolean("acceptOnly")).isTrue();
        assertThat(body.getJsonObject("message").getString("text")).isEqualTo("hi +15550000001");
      });
    } finally {
      stopServing();
    }
  }

  @Test
  @DisplayName("the owner took an accept-only request and never answered (it died): sent again after the try's"
    + " timeout with the same idempotency key, answered by the next owner")
  void acceptOnlyRetriedAfterATimeout() {
    ProcessRequest request = request("+15550000002", true);
    String address = addressOf(request);
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    serve(b.vertx(), address, message -> {
      received.add((JsonObject) message.body());
      if (received.size() > 1) {
        message.reply(ProcessResult.ofDuplicate().toJson());
      } // the first one is swallowed: its owner "died" with it
    });
    try {
      ProcessResult result = Await.result(ShardRouters.create(a.vertx(), SHARDS, 10_000, 20_000, 300)
        .submit(request), 30);
      assertThat(result.duplicate()).isTrue();
      assertThat(received).hasSize(2);
      assertThat(received.get(1).getString("idempotencyKey")).isEqualTo(received.get(0).getString("idempotencyKey"))
        .isEqualTo(request.idempotencyKey());
    } finally {
      stopServing();
    }
  }

  @Test
  @DisplayName("a synchronous request is not sent twice: its timeout is the caller's answer")
  void synchronousRequestNotRetriedOnTimeout() {
    ProcessRequest request = request("+15550000003", false);
    String address = addressOf(request);
    AtomicInteger received = new AtomicInteger();
    serve(b.vertx(), address, message -> received.incrementAndGet());
    try {
      assertThatThrownBy(() -> Await.result(ShardRouters.create(a.vertx(), SHARDS, 300, 20_000, 300)
        .submit(request), 30))
        .hasRootCauseInstanceOf(ReplyException.class)
        .rootCause().satisfies(failure -> assertThat(((ReplyException) failure).failureType())
          .isEqualTo(ReplyFailure.TIMEOUT));
      assertThat(received).hasValue(1);
    } finally {
      stopServing();
    }
  }

  @Test
  @DisplayName("no owner within the route deadline: 503, said so")
  void noOwnerWithinTheDeadline() {
    ProcessRequest request = request("+15550000004", true);
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    ShardRouters.create(a.vertx(), SHARDS, 10_000, 400, 300).submit(request)
      .onComplete(result -> failure.complete(result.cause()));
    Throwable cause = failure.join();
    assertThat(cause).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) cause).failureCode()).isEqualTo(503);
    assertThat(cause.getMessage()).contains("no reachable owner");
  }

  @Test
  @DisplayName("the owner answers that the shard is changing hands (shutting_down while it hands off, shard_moved when"
    + " fenced): sent again, and the next owner accepts it")
  void ownerMovingAnswersAreRetried() {
    ProcessRequest request = request("+15550000005", true);
    String address = addressOf(request);
    AtomicInteger received = new AtomicInteger();
    serve(b.vertx(), address, message -> {
      switch (received.incrementAndGet()) {
        case 1 -> message.reply(ProcessResult.rejected(null, "shutting_down", "handing off").toJson());
        case 2 -> message.reply(ProcessResult.rejected(null, "shard_moved", "fenced").toJson());
        default -> message.reply(ProcessResult.accepted("p-5", 0).toJson());
      }
    });
    try {
      assertThat(Await.result(ShardRouters.create(a.vertx(), SHARDS, 10_000, 20_000, 3_000).submit(request), 30))
        .isEqualTo(ProcessResult.accepted("p-5", 0));
      assertThat(received).hasValue(3);
    } finally {
      stopServing();
    }
  }

  @Test
  @DisplayName("orchestrator.process on a cluster: every node's entry point routes the JSON request to its shard's"
    + " owner on another node and answers in JSON; a bad request is answered 400 naming the field")
  void processEntryPointRoutesToTheOwner() {
    String deployment = Await.result(a.vertx().deployVerticle(
      new io.messageorchestrator.orchestrator.ProcessEntryVerticle(SHARDS, 10_000)));
    ProcessRequest request = request("+15550000006", false);
    serve(b.vertx(), addressOf(request), message -> message.reply(ProcessResult.processed("p-6", "re:hi").toJson()));
    try {
      JsonObject answer = Await.result(a.vertx().eventBus().<JsonObject>request(Addresses.PROCESS,
        new JsonObject().put("contactId", "+15550000006").put("message", new JsonObject().put("text", "hi"))), 30)
        .body();
      assertThat(answer.getString("status")).isEqualTo("processed");
      assertThat(answer.getString("response")).isEqualTo("re:hi");
      assertThatThrownBy(() -> Await.result(a.vertx().eventBus().request(Addresses.PROCESS,
        new JsonObject().put("contactId", "+15550000006").put("message", new JsonObject().put("text", "hi"))
          .put("acceptOnly", "yes")), 30))
        .rootCause().isInstanceOfSatisfying(ReplyException.class, failure -> {
          assertThat(failure.failureCode()).isEqualTo(400);
          assertThat(failure.getMessage()).contains("acceptOnly");
        });
    } finally {
      stopServing();
      Await.result(a.vertx().undeploy(deployment));
    }
  }

  @Test
  @DisplayName("K4, two versions side by side: the request travels with this node's format; an owner of a newer"
    + " version answering in its format, with fields this node does not know, is understood")
  void newerOwnerUnderstood() {
    ProcessRequest request = request("+15550000007", true);
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    serve(b.vertx(), addressOf(request), message -> {
      received.add((JsonObject) message.body());
      message.reply(ProcessResult.accepted("p-7", 2).toJson().put(WireFormat.FIELD, WireFormat.VERSION + 1)
        .put("acceptedBy", "node-b").put("estimate", new JsonObject().put("ms", 40)));
    });
    try {
      assertThat(Await.result(ShardRouters.create(a.vertx(), SHARDS, 10_000, 20_000, 3_000).submit(request), 30))
        .isEqualTo(ProcessResult.accepted("p-7", 2));
      assertThat(received).singleElement()
        .satisfies(body -> assertThat(body.getInteger(WireFormat.FIELD)).isEqualTo(WireFormat.VERSION));
    } finally {
      stopServing();
    }
  }

  @Test
  @DisplayName("K4: an answer this node cannot read (a status it does not know) fails the request with 500 at once,"
    + " instead of leaving it unanswered")
  void unreadableAnswerFails() {
    ProcessRequest request = request("+15550000008", true);
    serve(b.vertx(), addressOf(request), message -> message.reply(ProcessResult.accepted("p-8", 0).toJson()
      .put(WireFormat.FIELD, WireFormat.VERSION + 1).put("status", "deferred")));
    try {
      Throwable failure = Await.failure(ShardRouters.create(a.vertx(), SHARDS, 10_000, 20_000, 3_000)
        .submit(request));
      assertThat(failure).isInstanceOfSatisfying(ReplyException.class,
        reply -> assertThat(reply.failureCode()).isEqualTo(500));
      assertThat(failure.getMessage()).contains("cannot read");
    } finally {
      stopServing();
    }
  }

  @Test
  @DisplayName("K4: orchestrator.process on a cluster takes a request of a newer format with unknown fields, routes"
    + " it in this node's format and answers in it")
  void entryPointTakesNewerRequests() {
    String deployment = Await.result(a.vertx().deployVerticle(
      new io.messageorchestrator.orchestrator.ProcessEntryVerticle(SHARDS, 10_000)));
    ProcessRequest request = request("+15550000009", false);
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    serve(b.vertx(), addressOf(request), message -> {
      received.add((JsonObject) message.body());
      message.reply(ProcessResult.processed("p-9", "re:hi").toJson());
    });
    try {
      JsonObject answer = Await.result(a.vertx().eventBus().<JsonObject>request(Addresses.PROCESS,
        new JsonObject().put(WireFormat.FIELD, 42).put("contactId", "+15550000009").put("priority", "high")
          .put("message", new JsonObject().put("text", "hi").put("mood", "calm"))), 30).body();
      assertThat(answer.getString("status")).isEqualTo("processed");
      assertThat(answer.getInteger(WireFormat.FIELD)).isEqualTo(WireFormat.VERSION);
      assertThat(received).singleElement().satisfies(body -> {
        assertThat(body.getInteger(WireFormat.FIELD)).isEqualTo(WireFormat.VERSION);
        assertThat(body.getJsonObject("message").getString("text")).isEqualTo("hi");
      });
    } finally {
      stopServing();
      Await.result(a.vertx().undeploy(deployment));
    }
  }
}
