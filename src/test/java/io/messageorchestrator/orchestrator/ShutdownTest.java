package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
}
