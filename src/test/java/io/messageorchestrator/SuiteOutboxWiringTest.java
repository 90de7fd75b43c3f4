package io.messageorchestrator;

import io.messageorchestrator.agent.AgentCircuit;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.outbound.OutboundEvents;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** The suite hands the journal's undelivered replies to reply delivery (J5) and exposes the agent circuit's gauge. */
@ExtendWith(VertxExtension.class)
class SuiteOutboxWiringTest {

  @Test
  @DisplayName("a reply the journal holds as pending is delivered at start and leaves the outbox; the circuit "
    + "gauge is registered, closed")
  void pendingReplyIsDeliveredAtStart(Vertx vertx) {
    MemoryJournal journal = new MemoryJournal(100);
    journal.append(new JournalEntry(0, "p-before-crash", "default", "c1", "m1", new JsonObject().put("text", "hi"),
      System.currentTimeMillis(), 1, null), 0);
    journal.recordOutcome(new OutcomeRecord("p-before-crash", "processed", "the answer", null,
      System.currentTimeMillis(), false));
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    OrchestratorSuite suite = Await.result(OrchestratorSuite.deploy(vertx,
      OrchestratorConfig.from(new JsonObject().put("shards", 1)),
      OrchestratorSuite.Options.defaults().withoutHttp().withJournal(journal).withRegistry(registry)));
    try {
      JsonObject delivered = Await.result(events.await(OutboundEvents.REPLY_DELIVERED, 1)).get(0);
      assertThat(delivered.getString("processId")).isEqualTo("p-before-crash");
      assertThat(Await.result(journal.recover()).replies()).isEmpty();
      assertThat(registry.get(AgentCircuit.GAUGE).gauge().value()).isZero();
    } finally {
      Await.result(suite.stop());
    }
  }
}
