package io.messageorchestrator.agent;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared check of the agent tests: a broken agent answer gives a failed outcome, the fallback and an event. */
final class AgentFailures {
  private AgentFailures() {
  }

  /**
   * Sends one message through the deployed suite and verifies: status {@code failed}, the fallback text, an error
   * mentioning {@code errorMentions}, and a matching {@code processingError} event.
   */
  static void expectFailure(Future<OrchestratorSuite> deployment, VertxTestContext testContext, String contactId,
                            String errorMentions) {
    Promise<JsonObject> processingError = Promise.promise();
    deployment
      .compose(suite -> suite.client().on(Events.PROCESSING_ERROR, processingError::tryComplete).completion()
        .compose(v -> suite.client().processMessage(contactId, InboundMessage.text("hi")))
        .map(result -> {
          testContext.verify(() -> {
            assertThat(result.status()).isEqualTo(ProcessResult.Status.FAILED);
            assertThat(result.success()).isFalse();
            assertThat(result.fallback()).isTrue();
            assertThat(result.response()).isEqualTo(suite.config().fallbackResponse());
            assertThat(result.error()).contains(errorMentions);
          });
          return result;
        }))
      .onComplete(testContext.succeeding(result -> processingError.future().onComplete(
        testContext.succeeding(event -> testContext.verify(() -> {
          assertThat(event.getString("contactId")).isEqualTo(contactId);
          assertThat(event.getString("processId")).isEqualTo(result.processId());
          assertThat(event.getString("error")).isEqualTo(result.error());
          testContext.completeNow();
        })))));
  }
}
