package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code http.idleTimeout} is never below {@code lockTimeout + processingTimeout + 5 s}: a waiting answer is never cut. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class IdleTimeoutFloorTest {
  private static final long IDLE_TIMEOUT = 200;

  @Test
  @DisplayName("a synchronous /webhook answer that takes longer than a small http.idleTimeout still arrives")
  @SuiteConfig(value = "http.idleTimeout=" + IDLE_TIMEOUT, http = true)
  void slowAnswerOutlivesIdleTimeout(Vertx vertx, OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    Future<HttpResponse<Buffer>> answer = WebClient.create(vertx)
      .post(suite.httpPort(), "127.0.0.1", "/webhook")
      .sendJsonObject(new JsonObject().put("contactId", "idle-caller")
        .put("message", new JsonObject().put("text", "block:idle")));
    events.awaitFirst(Events.LOCK_ACQUIRED, e -> e.getString("contactId").equals("idle-caller"));

    // The scenario, not a synchronisation: the connection stays silent for well over http.idleTimeout (a slow
    // machine only makes the silence longer) before the agent answers.
    Promise<Void> silentLongEnough = Promise.promise();
    vertx.setTimer(IDLE_TIMEOUT * 3, id -> silentLongEnough.complete());
    Await.result(silentLongEnough.future());
    agent.open("idle");

    HttpResponse<Buffer> response = Await.result(answer);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("response")).isEqualTo("re:block:idle");
  }
}
