package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith({VertxExtension.class, SuiteExtension.class})
class ProcessingTest {

  @Test
  @DisplayName("a message is processed and its events come in the original's order")
  void basicProcessing(OrchestratorSuite suite, EventRecorder events) {
    ProcessResult result = Await.result(suite.client().processMessage("contact_123", InboundMessage.text("Hello!")));

    assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(result.success()).isTrue();
    assertThat(result.queued()).isFalse();
    assertThat(result.response()).isEqualTo("re:Hello!");
    assertThat(result.processId()).isNotBlank();
    events.awaitAll(Events.LOCK_RELEASED, 1);
    assertThat(events.namesFor("contact_123")).containsExactly(Events.MESSAGE_RECEIVED, Events.LOCK_ACQUIRED,
      Events.MESSAGE_PROCESSED, Events.LOCK_RELEASED);
    JsonObject released = events.all(Events.LOCK_RELEASED).get(0);
    assertThat(released.getString("processId")).isEqualTo(result.processId());
    assertThat(released.getLong("duration")).isNotNull().isGreaterThanOrEqualTo(0);
    JsonObject processed = events.all(Events.MESSAGE_PROCESSED).get(0);
    assertThat(processed.getString("response")).isEqualTo("re:Hello!");
    assertThat(processed.getString("outcome")).isEqualTo("processed");
  }

  @Test
  @DisplayName("the built-in echo agent replies with the text it received")
  @SuiteConfig(configuredProcessor = true)
  void echoAgent(OrchestratorSuite suite) {
    ProcessResult result = Await.result(suite.client().processMessage("5511999990000", InboundMessage.text("olá 👋")));

    assertThat(result.response()).isEqualTo("olá 👋");
  }

  @Test
  @DisplayName("concurrent messages for one contact run one at a time, in the order they were accepted")
  @SuiteConfig("maxQueueSize=100")
  void oneContactSerialized(OrchestratorSuite suite, TestAgent agent) {
    List<Future<ProcessResult>> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      results.add(suite.client().processMessage("alice", InboundMessage.text("sleep:2#" + i)));
    }
    Await.result(Future.all(results));

    assertThat(agent.maxInFlightPerContact()).isEqualTo(1);
    assertThat(agent.startedFor("alice")).containsExactlyElementsOf(
      IntStream.range(0, 30).mapToObj(i -> "sleep:2#" + i).toList());
    assertThat(results).allSatisfy(result -> assertThat(result.result().status())
      .isEqualTo(ProcessResult.Status.PROCESSED));
  }

  @Test
  @DisplayName("different contacts are processed in parallel: a blocked contact does not hold others")
  void contactsIndependent(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    Future<ProcessResult> blocked = suite.client().processMessage("slow", InboundMessage.text("block:slow"));
    events.awaitFirst(Events.LOCK_ACQUIRED, e -> e.getString("contactId").equals("slow"));
    List<Future<ProcessResult>> others = IntStream.range(0, 20)
      .mapToObj(i -> suite.client().processMessage("fast-" + i, InboundMessage.text("hi " + i))).toList();

    Await.result(Future.all(others));
    assertThat(blocked.isComplete()).isFalse();
    agent.open("slow");
    assertThat(Await.result(blocked).response()).isEqualTo("re:block:slow");
  }

  @Test
  @DisplayName("an agent that throws or answers empty gives a failed outcome with the fallback text and a processingError")
  @SuiteConfig("fallbackResponse=sorry!")
  void errorHandling(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    ProcessResult thrown = Await.result(suite.client().processMessage("bob", InboundMessage.text("fail")));
    ProcessResult empty = Await.result(suite.client().processMessage("bob", InboundMessage.text("empty")));
    ProcessResult fine = Await.result(suite.client().processMessage("bob", InboundMessage.text("ok")));

    for (ProcessResult failed : List.of(thrown, empty)) {
      assertThat(failed.status()).isEqualTo(ProcessResult.Status.FAILED);
      assertThat(failed.success()).isFalse();
      assertThat(failed.fallback()).isTrue();
      assertThat(failed.response()).isEqualTo("sorry!");
      assertThat(failed.error()).isNotBlank();
    }
    assertThat(thrown.error()).contains("agent exploded");
    assertThat(empty.error()).contains("empty");
    assertThat(fine.status()).isEqualTo(ProcessResult.Status.PROCESSED);
    List<JsonObject> errors = events.awaitAll(Events.PROCESSING_ERROR, 2);
    assertThat(errors).extracting(e -> e.getString("contactId")).containsOnly("bob");
    assertThat(errors.get(0).getString("error")).contains("agent exploded");
    List<JsonObject> processed = events.awaitAll(Events.MESSAGE_PROCESSED, 3);
    assertThat(processed).extracting(e -> e.getString("outcome")).containsExactly("failed", "failed", "processed");
    assertThat(processed.get(0).getBoolean("fallback")).isTrue();

    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getLong("totalProcessed")).isEqualTo(1);
    assertThat(stats.getLong("totalErrors")).isEqualTo(2);
    assertThat(stats.getDouble("successRate")).isEqualTo(33.33);
  }

  @Test
  @DisplayName("invalid requests fail with code 400 naming the field, and nothing is processed")
  void invalidRequests(Vertx vertx, OrchestratorSuite suite) {
    for (JsonObject bad : List.of(
      new JsonObject().put("message", new JsonObject().put("text", "x")),
      new JsonObject().put("contactId", "").put("message", new JsonObject().put("text", "x")),
      new JsonObject().put("contactId", "a\u0001b").put("message", new JsonObject().put("text", "x")),
      new JsonObject().put("contactId", "a".repeat(129)).put("message", new JsonObject().put("text", "x")),
      new JsonObject().put("contactId", "a").put("message", new JsonObject().put("text", 42)),
      new JsonObject().put("contactId", "a").put("message", "hello"))) {
      Throwable failure = Await.failure(vertx.eventBus().request(Addresses.PROCESS, bad));
      assertThat(failure).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) failure).failureCode()).isEqualTo(400);
      assertThat(failure.getMessage()).containsAnyOf("contactId", "message");
    }
    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getLong("totalReceived")).isZero();
  }

  @Test
  @DisplayName("statistics have the original's fields and count exactly")
  @SuiteConfig("lockTimeout=0")
  void statistics(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    for (int i = 0; i < 5; i++) {
      Await.result(suite.client().processMessage("c" + i, InboundMessage.text("m" + i)));
    }
    suite.client().processMessage("busy", InboundMessage.text("block:stats"));
    events.awaitFirst(Events.LOCK_ACQUIRED, e -> e.getString("contactId").equals("busy"));
    Await.result(suite.client().processMessage("busy", InboundMessage.text("second")));
    Await.result(suite.client().processMessage("busy", InboundMessage.text("third")));

    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.fieldNames()).contains("totalProcessed", "totalErrors", "totalDeadlocks", "totalTimeouts",
      "successRate", "averageProcessingTime", "currentlyProcessing", "totalQueued", "activeContacts",
      "contactsWithQueues", "uptime", "uptimeFormatted", "memoryUsage", "config", "queueDetails",
      "processingTimePercentiles");
    assertThat(stats.getLong("totalProcessed")).isEqualTo(5);
    assertThat(stats.getLong("currentlyProcessing")).isEqualTo(1);
    assertThat(stats.getLong("totalQueued")).isEqualTo(2);
    assertThat(stats.getLong("contactsWithQueues")).isEqualTo(1);
    assertThat(stats.getJsonArray("activeContacts").getJsonObject(0).getString("contactId")).isEqualTo("busy");
    assertThat(stats.getJsonArray("queueDetails").getJsonObject(0).getInteger("queueSize")).isEqualTo(2);
    assertThat(stats.getJsonObject("config").getLong("processingTimeout")).isEqualTo(30_000);
    assertThat(stats.getJsonObject("memoryUsage").getLong("heapUsed")).isPositive();
    assertThat(stats.getJsonObject("processingTimePercentiles").fieldNames()).containsExactly("p50", "p95", "p99");
    assertThat(stats.getDouble("successRate")).isEqualTo(100.0);

    agent.open("stats");
    events.awaitAll(Events.MESSAGE_PROCESSED, 8);
    JsonObject after = Await.result(suite.client().getStats());
    assertThat(after.getLong("totalProcessed")).isEqualTo(8);
    assertThat(after.getLong("totalQueued")).isZero();
    assertThat(after.getLong("currentlyProcessing")).isZero();
  }

  @Test
  @DisplayName("statistics lists are capped, largest first, while totals stay exact")
  @SuiteConfig({"statsListLimit=3", "lockTimeout=0", "maxConcurrentContacts=100"})
  void statsListsCapped(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    for (int contact = 0; contact < 8; contact++) {
      suite.client().processMessage("q" + contact, InboundMessage.text("block:cap"));
      for (int queued = 0; queued < contact; queued++) {
        suite.client().processMessage("q" + contact, InboundMessage.text("later"));
      }
    }
    events.awaitAll(Events.LOCK_ACQUIRED, 8);
    events.awaitAll(Events.MESSAGE_QUEUED, 28);

    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getJsonArray("queueDetails")).hasSize(3);
    assertThat(stats.getJsonArray("queueDetails").stream().map(e -> ((JsonObject) e).getInteger("queueSize")))
      .containsExactly(7, 6, 5);
    assertThat(stats.getJsonArray("activeContacts")).hasSize(3);
    assertThat(stats.getLong("activeContactCount")).isEqualTo(8);
    assertThat(stats.getLong("totalQueued")).isEqualTo(28);
    assertThat(stats.getLong("contactsWithQueues")).isEqualTo(7);
    agent.open("cap");
  }

  @Test
  @DisplayName("messages sent to the public orchestrator.process address keep their order per contact")
  @SuiteConfig({"shards=4", "maxQueueSize=100", "lockTimeout=0"})
  void publicAddressKeepsOrder(Vertx vertx, OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    List<String> contacts = List.of("a", "b", "c", "d", "e", "f");

    Promise<Void> sent = Promise.promise();
    vertx.runOnContext(v -> {
      for (int i = 0; i < 20; i++) {
        for (String contact : contacts) {
          vertx.eventBus().request(Addresses.PROCESS, new JsonObject().put("contactId", contact)
            .put("message", new JsonObject().put("text", contact + i)));
        }
      }
      sent.complete();
    });
    Await.result(sent.future());

    events.awaitAll(Events.MESSAGE_PROCESSED, 20 * contacts.size());
    for (String contact : contacts) {
      assertThat(agent.startedFor(contact)).containsExactlyElementsOf(
        IntStream.range(0, 20).mapToObj(i -> contact + i).toList());
    }
    assertThat(suite.shardCount()).isEqualTo(4);
  }
}
