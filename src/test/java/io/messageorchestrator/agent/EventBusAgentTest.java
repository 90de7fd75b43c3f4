package io.messageorchestrator.agent;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code processor.type=eventbus}: the orchestrator asks the user's consumer on {@code processor.address}. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
@DisplayName("EventBusAgent through the orchestrator")
class EventBusAgentTest {
  private static final String ADDRESS = "my.agent";
  private static final String CONTACT = "contact-eb";

  private OrchestratorSuite suite;
  private final Promise<JsonObject> agentRequest = Promise.promise();

  @AfterEach
  void stop(VertxTestContext testContext) {
    Suites.stopIfStarted(suite, testContext);
  }

  /** Registers {@code agent} on {@link #ADDRESS} (recording the request), then deploys the orchestrator. */
  private Future<OrchestratorSuite> deployWith(Vertx vertx, Handler<Message<JsonObject>> agent) {
    return vertx.eventBus().<JsonObject>consumer(ADDRESS, request -> {
        agentRequest.tryComplete(request.body());
        agent.handle(request);
      }).completion()
      .compose(v -> OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(Suites.baseConfig()
          .put("shards", 2)
          .put("shutdownGracePeriod", 500)
          .put("processor", new JsonObject().put("type", "eventbus").put("address", ADDRESS))),
        OrchestratorSuite.Options.defaults().withoutHttp()))
      .onSuccess(deployed -> suite = deployed);
  }

  @Test
  @DisplayName("a consumer replying a String: the String is the reply, and it received {contactId, processId, message}")
  void stringReplyIsDelivered(Vertx vertx, VertxTestContext testContext) {
    deployWith(vertx, request -> request.reply("hello from the bus: " + request.body().getJsonObject("message")
        .getString("text")))
      .compose(deployed -> deployed.client().processMessage(CONTACT, InboundMessage.text("hi", "m-1")))
      .onComplete(testContext.succeeding(result -> agentRequest.future().onComplete(testContext.succeeding(
        body -> testContext.verify(() -> {
          assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
          assertThat(result.response()).isEqualTo("hello from the bus: hi");
          assertThat(result.fallback()).isFalse();
          assertThat(body.fieldNames()).containsExactlyInAnyOrder("contactId", "processId", "attempt", "message");
          assertThat(body.getInteger("attempt")).isEqualTo(1);
          assertThat(body.getString("contactId")).isEqualTo(CONTACT);
          assertThat(body.getString("processId")).isEqualTo(result.processId());
          assertThat(body.getJsonObject("message").getString("messageId")).isEqualTo("m-1");
          testContext.completeNow();
        })))));
  }

  @Test
  @DisplayName("a consumer replying {response, metadata}: the response is the reply and metadata reaches messageProcessed")
  void jsonReplyIsDelivered(Vertx vertx, VertxTestContext testContext) {
    Promise<JsonObject> processed = Promise.promise();
    deployWith(vertx, request -> request.reply(new JsonObject().put("response", "json answer")
        .put("metadata", new JsonObject().put("model", "tiny"))))
      .compose(deployed -> deployed.client().on(Events.MESSAGE_PROCESSED, processed::tryComplete).completion()
        .compose(v -> deployed.client().processMessage(CONTACT, InboundMessage.text("hi"))))
      .onComplete(testContext.succeeding(result -> {
        testContext.verify(() -> {
          assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
          assertThat(result.response()).isEqualTo("json answer");
        });
        processed.future().onComplete(testContext.succeeding(event -> testContext.verify(() -> {
          assertThat(event.getString("response")).isEqualTo("json answer");
          assertThat(event.getJsonObject("metadata").getString("model")).isEqualTo("tiny");
          testContext.completeNow();
        })));
      }));
  }

  @Test
  @DisplayName("a consumer that fails the request: the message fails with the fallback text and a processingError")
  void failingConsumerFails(Vertx vertx, VertxTestContext testContext) {
    expectFailure(vertx, testContext, request -> request.fail(503, "agent is down"), "agent is down");
  }

  @Test
  @DisplayName("a consumer replying an object without response: the message fails with the fallback text")
  void replyWithoutResponseFails(Vertx vertx, VertxTestContext testContext) {
    expectFailure(vertx, testContext, request -> request.reply(new JsonObject().put("text", "wrong field")),
      "response");
  }

  private void expectFailure(Vertx vertx, VertxTestContext testContext, Handler<Message<JsonObject>> agent,
                             String errorMentions) {
    AgentFailures.expectFailure(deployWith(vertx, agent), testContext, CONTACT, errorMentions);
  }

}
