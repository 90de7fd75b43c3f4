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

@ExtendWith({VertxExtension.class, SuiteExtension.class})
class StepEventsTest {

  @Test
  @DisplayName("with events.steps=false the per-step events are not published, outcomes and forced releases still are")
  @SuiteConfig("events.steps=false")
  void stepEventsOff(OrchestratorSuite suite, EventRecorder events) {
    Await.result(suite.client().processMessage("quiet", InboundMessage.text("hello")));
    Future<ProcessResult> stuck = suite.client().processMessage("stuck", InboundMessage.text("hang"));
    Await.result(suite.client().processMessage("quiet", InboundMessage.text("again")));
    events.awaitAll(Events.MESSAGE_PROCESSED, 2);
    assertThat(Await.result(suite.client().emergencyUnlock())).isEqualTo(1);

    assertThat(Await.result(stuck).status()).isEqualTo(ProcessResult.Status.FAILED);
    assertThat(events.awaitAll(Events.LOCK_RELEASED, 1).get(0).getString("contactId")).isEqualTo("stuck");
    assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 3)).hasSize(3);
    assertThat(events.all(Events.MESSAGE_RECEIVED)).isEmpty();
    assertThat(events.all(Events.LOCK_ACQUIRED)).isEmpty();
    assertThat(events.all(Events.LOCK_RELEASED)).hasSize(1);
  }
}
