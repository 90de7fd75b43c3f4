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

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** R3: contacts only ever wait on each other through maxConcurrentContacts, and then they wait fairly. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class ConcurrencyLimitTest {

  @Test
  @DisplayName("at the global limit new contacts wait in line instead of failing, and start when a slot frees")
  @SuiteConfig("maxConcurrentContacts=2")
  void waitsInsteadOfFailing(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    Future<ProcessResult> a = suite.client().processMessage("A", InboundMessage.text("block:A"));
    Future<ProcessResult> b = suite.client().processMessage("B", InboundMessage.text("block:B"));
    events.awaitAll(Events.LOCK_ACQUIRED, 2);
    Future<ProcessResult> c = suite.client().processMessage("C", InboundMessage.text("hello C"));
    events.awaitFirst(Events.MESSAGE_QUEUED, e -> e.getString("contactId").equals("C"));

    JsonObject status = Await.result(suite.client().contactStatus("C"));
    assertThat(status.getBoolean("locked")).isFalse();
    assertThat(status.getBoolean("waitingForPermit")).isTrue();
    assertThat(events.all(Events.LOCK_ACQUIRED)).hasSize(2);

    agent.open("A");
    assertThat(Await.result(c).status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(Await.result(a).status()).isEqualTo(ProcessResult.Status.PROCESSED);
    agent.open("B");
    assertThat(Await.result(b).status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(events.all(Events.MESSAGE_REJECTED)).isEmpty();
  }

  @Test
  @DisplayName("a contact that finishes goes behind contacts already waiting: the line is fair across contacts")
  @SuiteConfig({"maxConcurrentContacts=1", "lockTimeout=0"})
  void fairAcrossContacts(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("A", InboundMessage.text("block:A1"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage("A", InboundMessage.text("A2")));
    Await.result(suite.client().processMessage("B", InboundMessage.text("B1")));
    Await.result(suite.client().processMessage("C", InboundMessage.text("C1")));

    agent.open("A1");
    List<JsonObject> acquired = events.awaitAll(Events.LOCK_ACQUIRED, 4);
    assertThat(acquired).extracting(e -> e.getString("contactId")).containsExactly("A", "B", "C", "A");
  }

  @Test
  @DisplayName("the number of contacts processing at once never exceeds maxConcurrentContacts")
  @SuiteConfig({"maxConcurrentContacts=3", "lockTimeout=0"})
  void neverAboveLimit(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    for (int i = 0; i < 12; i++) {
      suite.client().processMessage("contact-" + i, InboundMessage.text("sleep:20"));
    }
    events.awaitAll(Events.LOCK_RELEASED, 12);

    assertThat(agent.maxInFlightTotal()).isBetween(1, 3);
  }
}
