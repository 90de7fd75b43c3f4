package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** R11: stop accepting, let work finish within the grace period, then discard the rest with events and counts. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class ShutdownTest {

  @Test
  @DisplayName("during a graceful shutdown new messages are refused while in-flight and queued work completes")
  @SuiteConfig({"shutdownGracePeriod=10000", "lockTimeout=0"})
  void drainsWithinGrace(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    Future<ProcessResult> inFlight = suite.client().processMessage("s", InboundMessage.text("block:s"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage("s", InboundMessage.text("queued-1")));
    Await.result(suite.client().processMessage("s", InboundMessage.text("queued-2")));

    Future<JsonObject> stopped = suite.stop();
    assertThat(suite.lifecycle().isReady()).isFalse();
    ProcessResult refused = Await.result(suite.client().processMessage("other", InboundMessage.text("too late")));
    assertThat(refused.status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(refused.reason()).isEqualTo("shutting_down");
    assertThat(stopped.isComplete()).isFalse();

    agent.open("s");
    JsonObject cleanup = Await.result(stopped);
    assertThat(Await.result(inFlight).status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 3)).extracting(e -> e.getString("response"))
      .containsExactly("re:block:s", "re:queued-1", "re:queued-2");
    assertThat(cleanup.getInteger("locksReleased")).isZero();
    assertThat(cleanup.getInteger("messagesDropped")).isZero();
    JsonObject event = events.awaitAll(Events.CLEANUP_COMPLETE, 1).get(0);
    assertThat(event.getInteger("locksReleased")).isZero();
    assertThat(events.all(Events.MESSAGE_DISCARDED)).isEmpty();
  }

  @Test
  @DisplayName("work left when the grace period ends is discarded with an event each, and cleanupComplete counts it")
  @SuiteConfig({"shutdownGracePeriod=100", "lockTimeout=0"})
  void discardsAfterGrace(OrchestratorSuite suite, EventRecorder events) {
    Future<ProcessResult> inFlight = suite.client().processMessage("h", InboundMessage.text("hang"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage("h", InboundMessage.text("queued-1")));
    Await.result(suite.client().processMessage("h", InboundMessage.text("queued-2")));

    JsonObject cleanup = Await.result(suite.stop());

    assertThat(cleanup.getInteger("locksReleased")).isEqualTo(1);
    assertThat(cleanup.getInteger("messagesDropped")).isEqualTo(3);
    JsonObject event = events.awaitAll(Events.CLEANUP_COMPLETE, 1).get(0);
    assertThat(event.getInteger("locksReleased")).isEqualTo(1);
    assertThat(event.getInteger("messagesDropped")).isEqualTo(3);
    assertThat(events.awaitAll(Events.MESSAGE_DISCARDED, 3)).extracting(e -> e.getString("outcome"))
      .containsOnly("discarded_on_shutdown");
    assertThat(events.awaitAll(Events.LOCK_RELEASED, 1).get(0).getString("contactId")).isEqualTo("h");
    ProcessResult answer = Await.result(inFlight);
    assertThat(answer.status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(answer.reason()).isEqualTo("shutting_down");
    assertThat(suite.metrics().count(Outcome.DISCARDED_ON_SHUTDOWN)).isEqualTo(3);
    assertThat(events.all(Events.MESSAGE_PROCESSED)).isEmpty();
  }
  @Test
  @DisplayName("replies of messages that finish during the drain have all reached the reply sender when stop() completes")
  void drainedRepliesAreDeliveredBeforeOutboundStops(Vertx vertx) {
    // The reply channel: an HTTP callback that records every reply before acknowledging it.
    List<JsonObject> delivered = new CopyOnWriteArrayList<>();
    HttpServer callback = Await.result(vertx.createHttpServer()
      .requestHandler(request -> request.body().onSuccess(body -> {
        delivered.add(body.toJsonObject());
        request.response().end();
      }))
      .listen(0, "127.0.0.1"));
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject().put("shutdownGracePeriod", 10_000)
      .put("lockTimeout", 0).put("maxConcurrentContacts", 10)
      .put("outbound", new JsonObject().put("type", "http")
        .put("url", "http://127.0.0.1:" + callback.actualPort() + "/replies")), agent);
    EventRecorder events = EventRecorder.attach(vertx);
    List<Future<ProcessResult>> answers = new ArrayList<>();
    List<String> contacts = IntStream.range(0, 6).mapToObj(i -> "drain-" + i).toList(); // spread over the shards
    for (String contact : contacts) {
      answers.add(suite.client().processMessage(contact, InboundMessage.text("block:" + contact)));
    }
    events.awaitAll(Events.LOCK_ACQUIRED, contacts.size());
    for (String contact : contacts) {
      answers.add(suite.client().processMessage(contact, InboundMessage.text("queued")));
    }
    events.awaitAll(Events.MESSAGE_QUEUED, contacts.size());

    Future<JsonObject> stopped = suite.stop();
    assertThat(suite.lifecycle().isReady()).isFalse();
    contacts.forEach(agent::open); // everything finishes inside the grace period
    JsonObject cleanup = Await.result(stopped);

    // Nothing was left for later: when stop() completes, every reply has been acknowledged by the channel.
    assertThat(cleanup.getInteger("messagesDropped")).isZero();
    List<String> processIds = answers.stream().map(answer -> Await.result(answer).processId()).toList();
    assertThat(delivered).extracting(reply -> reply.getString("processId"))
      .containsExactlyInAnyOrderElementsOf(processIds);
    assertThat(delivered).extracting(reply -> reply.getString("response"))
      .containsOnly("re:queued", "re:block:drain-0", "re:block:drain-1", "re:block:drain-2", "re:block:drain-3",
        "re:block:drain-4", "re:block:drain-5");
  }
}
