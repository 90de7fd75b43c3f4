package io.messageorchestrator.orchestrator;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** J6 through the whole suite: the agent sees the attempt number; the synchronous caller only a final outcome. */
@ExtendWith(VertxExtension.class)
class RetrySuiteTest {

  @Test
  @DisplayName("an agent that fails once is called again with attempt 2; the caller waiting gets queued, then the reply travels on messageProcessed")
  void agentSeesTheAttempt(Vertx vertx) {
    List<String> calls = new CopyOnWriteArrayList<>();
    EventRecorder events = EventRecorder.attach(vertx);
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject().put("lockTimeout", 10_000)
      .put("retry", new JsonObject().put("maxAttempts", 3).put("initialBackoff", 1).put("maxBackoff", 5)),
      (message, context) -> {
        calls.add(message.text() + "#" + context.attempt());
        if (context.attempt() == 1) {
          throw new IllegalStateException("first call fails");
        }
        return AgentReply.of("re:" + message.text());
      });
    try {
      ProcessResult answer = Await.result(suite.client().processMessage("c", InboundMessage.text("hi")));
      assertThat(answer.status()).isEqualTo(ProcessResult.Status.QUEUED);
      JsonObject processed = events.awaitAll(Events.MESSAGE_PROCESSED, 1).get(0);
      assertThat(processed.getString("response")).isEqualTo("re:hi");
      assertThat(processed.getInteger("attempts")).isEqualTo(2);
      assertThat(calls).containsExactly("hi#1", "hi#2");
      assertThat(events.all(Events.ATTEMPT_FAILED)).singleElement()
        .satisfies(event -> assertThat(event.getString("reason")).contains("first call fails"));
    } finally {
      Await.result(suite.stop());
    }
  }
}
