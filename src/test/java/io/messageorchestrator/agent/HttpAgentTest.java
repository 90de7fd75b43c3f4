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
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code processor.type=http}: the orchestrator calls a fake agent HTTP server on loopback. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
@DisplayName("HttpAgent through the orchestrator")
class HttpAgentTest {
  private static final String CONTACT = "5511999990000";

  private OrchestratorSuite suite;
  /** The JSON body of the first request the fake agent received. */
  private final Promise<JsonObject> agentRequest = Promise.promise();

  /** A loopback port bound but never listening: connections to it are refused, and no other test can take it. */
  private Socket reservedPort;

  @AfterEach
  void stop(VertxTestContext testContext) throws IOException {
    if (reservedPort != null) {
      reservedPort.close();
    }
    Suites.stopIfStarted(suite, testContext);
  }

  /**
   * Starts a fake agent on loopback that records the request body and then answers with {@code answer}, and deploys
   * the orchestrator against it.
   */
  private Future<OrchestratorSuite> deployAgainst(Vertx vertx, long processingTimeout,
                                                  Handler<HttpServerRequest> answer) {
    HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      agentRequest.tryComplete(new JsonObject()
        .put("method", request.method().name())
        .put("path", request.path())
        .put("contentType", request.getHeader("Content-Type"))
        .put("body", body.toJsonObject()));
      answer.handle(request);
    }));
    return server.listen(0, "127.0.0.1").compose(listening -> {
      OrchestratorConfig config = OrchestratorConfig.from(Suites.baseConfig()
        .put("processingTimeout", processingTimeout)
        .put("shards", 2)
        .put("shutdownGracePeriod", 500)
        .put("processor", new JsonObject().put("type", "http")
          .put("url", "http://127.0.0.1:" + listening.actualPort() + "/agent")));
      return OrchestratorSuite.deploy(vertx, config, OrchestratorSuite.Options.defaults().withoutHttp());
    }).onSuccess(deployed -> suite = deployed);
  }

  private static void reply(HttpServerRequest request, int status, String contentType, String body) {
    request.response().setStatusCode(status).putHeader("Content-Type", contentType).end(body);
  }

  @Test
  @DisplayName("the agent receives {contactId, processId, message} and its 2xx {response} becomes the reply")
  void successfulReplyIsDelivered(Vertx vertx, VertxTestContext testContext) {
    deployAgainst(vertx, 5_000, request -> reply(request, 200, "application/json",
      new JsonObject().put("response", "pong from the agent").put("metadata", new JsonObject().put("model", "m1"))
        .encode()))
      .compose(deployed -> deployed.client().processMessage(CONTACT, InboundMessage.text("ping", "wamid.7")))
      .onComplete(testContext.succeeding(result -> agentRequest.future().onComplete(testContext.succeeding(
        seen -> testContext.verify(() -> {
          assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
          assertThat(result.success()).isTrue();
          assertThat(result.fallback()).isFalse();
          assertThat(result.response()).isEqualTo("pong from the agent");

          assertThat(seen.getString("method")).isEqualTo("POST");
          assertThat(seen.getString("path")).isEqualTo("/agent");
          assertThat(seen.getString("contentType")).startsWith("application/json");
          JsonObject body = seen.getJsonObject("body");
          assertThat(body.fieldNames()).containsExactlyInAnyOrder("contactId", "processId", "attempt", "message");
          assertThat(body.getInteger("attempt")).isEqualTo(1);
          assertThat(body.getString("contactId")).isEqualTo(CONTACT);
          assertThat(body.getString("processId")).isEqualTo(result.processId());
          assertThat(body.getJsonObject("message").getString("text")).isEqualTo("ping");
          assertThat(body.getJsonObject("message").getString("messageId")).isEqualTo("wamid.7");
          testContext.completeNow();
        })))));
  }

  @Test
  @DisplayName("an HTTP 500 from the agent fails the message with the fallback text and a processingError event")
  void serverErrorFails(Vertx vertx, VertxTestContext testContext) {
    // A usable body must not rescue a non-2xx status.
    expectFailure(vertx, testContext, request -> reply(request, 500, "application/json",
      new JsonObject().put("response", "should not be used").encode()), "500");
  }

  @Test
  @DisplayName("a non-JSON body from the agent fails the message with the fallback text and a processingError event")
  void nonJsonBodyFails(Vertx vertx, VertxTestContext testContext) {
    expectFailure(vertx, testContext, request -> reply(request, 200, "text/plain", "pong, but not JSON"), "JSON");
  }

  @Test
  @DisplayName("a JSON answer without a response string fails the message with the fallback text")
  void jsonWithoutResponseFails(Vertx vertx, VertxTestContext testContext) {
    expectFailure(vertx, testContext, request -> reply(request, 200, "application/json",
      new JsonObject().put("reply", "wrong field name").encode()), "response");
  }

  private void expectFailure(Vertx vertx, VertxTestContext testContext, Handler<HttpServerRequest> answer,
                             String errorMentions) {
    AgentFailures.expectFailure(deployAgainst(vertx, 5_000, answer), testContext, CONTACT, errorMentions);
  }


  @Test
  @DisplayName("an agent slower than processingTimeout ends the message as timed_out with the fallback text")
  void slowAgentTimesOut(Vertx vertx, VertxTestContext testContext) {
    Promise<JsonObject> timeoutEvent = Promise.promise();
    // The fake agent never answers: only the orchestrator's deadline can end the call. The deadline leaves a loaded
    // machine ample time to have sent the request (asserted below) before it ends the call.
    deployAgainst(vertx, 2_000, request -> { })
      .compose(deployed -> deployed.client().on(Events.PROCESSING_TIMEOUT, timeoutEvent::tryComplete).completion()
        .compose(v -> deployed.client().processMessage(CONTACT, InboundMessage.text("slow"))))
      .onComplete(testContext.succeeding(result -> {
        testContext.verify(() -> {
          assertThat(result.status()).isEqualTo(ProcessResult.Status.TIMED_OUT);
          assertThat(result.fallback()).isTrue();
          assertThat(result.response()).isEqualTo(suite.config().fallbackResponse());
          assertThat(agentRequest.future().isComplete()).as("the agent was called").isTrue();
        });
        timeoutEvent.future().onComplete(testContext.succeeding(event -> testContext.verify(() -> {
          assertThat(event.getString("contactId")).isEqualTo(CONTACT);
          assertThat(event.getLong("timeout")).isEqualTo(2_000);
          testContext.completeNow();
        })));
      }));
  }

  @Test
  @DisplayName("an agent URL nobody listens on fails the message with the fallback text")
  void unreachableAgentFails(Vertx vertx, VertxTestContext testContext) throws IOException {
    Promise<JsonObject> processingError = Promise.promise();
    // Not a port closed after use: another suite running alongside could bind it meanwhile.
    reservedPort = new Socket();
    reservedPort.bind(new InetSocketAddress("127.0.0.1", 0));
    int closedPort = reservedPort.getLocalPort();
    OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(Suites.baseConfig()
        .put("processingTimeout", 5_000)
        .put("shards", 2)
        .put("shutdownGracePeriod", 500)
        .put("processor", new JsonObject().put("type", "http")
          .put("url", "http://127.0.0.1:" + closedPort + "/agent"))),
      OrchestratorSuite.Options.defaults().withoutHttp())
      .onSuccess(deployed -> suite = deployed)
      .compose(deployed -> deployed.client().on(Events.PROCESSING_ERROR, processingError::tryComplete).completion()
        .compose(v -> deployed.client().processMessage(CONTACT, InboundMessage.text("anyone there?"))))
      .onComplete(testContext.succeeding(result -> {
        testContext.verify(() -> {
          assertThat(result.status()).isEqualTo(ProcessResult.Status.FAILED);
          assertThat(result.fallback()).isTrue();
          assertThat(result.response()).isEqualTo(suite.config().fallbackResponse());
        });
        processingError.future().onComplete(testContext.succeeding(event -> testContext.verify(() -> {
          assertThat(event.getString("processId")).isEqualTo(result.processId());
          testContext.completeNow();
        })));
      }));
  }
}
