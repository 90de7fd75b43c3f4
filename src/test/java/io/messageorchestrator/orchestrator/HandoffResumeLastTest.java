package io.messageorchestrator.orchestrator;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** V3, {@code handoff.onResume=last}, through the real agent workers: the agent sees the others as context. */
@ExtendWith(VertxExtension.class)
class HandoffResumeLastTest {

  @Test
  @DisplayName("onResume=last: one agent call, for the last held message, whose ProcessingContext.heldMessages()"
    + " are the others in order; one reply is delivered")
  void lastWithTheOthersAsContext(Vertx vertx) {
    List<String> calls = new CopyOnWriteArrayList<>();
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject().put("lockTimeout", 0)
      .put("handoff", new JsonObject().put("onResume", "last")), (message, context) -> {
        calls.add(message.text() + " after " + context.heldMessages().stream().map(InboundMessage::text).toList());
        return AgentReply.of("one answer");
      });
    EventRecorder events = EventRecorder.attach(vertx);
    try {
      Await.result(suite.client().pause("c1", Duration.ofMinutes(10), null));
      for (String text : List.of("hi", "I need", "the premium plan")) {
        Await.result(suite.client().accept("c1", InboundMessage.text(text)));
      }
      JsonObject resumed = Await.result(suite.client().resume("c1"));
      assertThat(resumed.getString("onResume")).isEqualTo("last");

      assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 1)).extracting(event -> event.getString("response"))
        .containsExactly("one answer");
      assertThat(calls).containsExactly("the premium plan after [hi, I need]");
      assertThat(suite.metrics().count(Outcome.ANSWERED_WITH_LAST)).isEqualTo(2);
    } finally {
      Await.result(suite.stop());
    }
    assertThat(events.all(Events.MESSAGE_PROCESSED)).hasSize(1);
  }
}
