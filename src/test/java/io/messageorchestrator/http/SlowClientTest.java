package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith({VertxExtension.class, SuiteExtension.class})
class SlowClientTest {

  @Test
  @DisplayName("a client that sends half a body and stalls gets 408 and is disconnected; the server keeps serving")
  @SuiteConfig(value = "http.requestBodyTimeout=300", http = true)
  void slowBodyTimesOut(Vertx vertx, OrchestratorSuite suite) {
    NetSocket socket = Await.result(vertx.createNetClient().connect(suite.httpPort(), "127.0.0.1"));
    StringBuilder received = new StringBuilder();
    Promise<String> closed = Promise.promise();
    socket.handler(chunk -> received.append(chunk.toString()));
    socket.closeHandler(v -> closed.complete(received.toString()));

    socket.write("POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: 100\r\n\r\n{\"from\":\"1\",");

    String answer = Await.result(closed.future());
    assertThat(answer).startsWith("HTTP/1.1 408");
    assertThat(answer).contains("request_timeout");
    HttpResponse<Buffer> next = Await.result(WebClient.create(vertx).get(suite.httpPort(), "127.0.0.1", "/health/live")
      .send());
    assertThat(next.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a webhook body that is not JSON by Content-Type is refused with 415 JSON")
  @SuiteConfig(value = "http.requestBodyTimeout=300", http = true)
  void wrongContentType(Vertx vertx, OrchestratorSuite suite) {

    HttpResponse<Buffer> response = Await.result(WebClient.create(vertx).post(suite.httpPort(), "127.0.0.1", "/webhook")
      .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("from=1&body=hi")));

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("unsupported_media_type");
  }

  @Test
  @DisplayName("readiness is up while running and goes down as soon as a graceful shutdown starts")
  @SuiteConfig(value = "shutdownGracePeriod=10000", http = true)
  void readinessFlips(Vertx vertx, OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    WebClient web = WebClient.create(vertx);
    assertThat(Await.result(web.get(suite.httpPort(), "127.0.0.1", "/health/ready").send()).statusCode())
      .isEqualTo(200);
    suite.client().processMessage("r", InboundMessage.text("block:r"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);

    var stopped = suite.stop();

    assertThat(Await.result(web.get(suite.httpPort(), "127.0.0.1", "/health/ready").send()).statusCode())
      .isEqualTo(503);
    assertThat(Await.result(web.get(suite.httpPort(), "127.0.0.1", "/health/live").send()).statusCode())
      .isEqualTo(200);
    agent.open("r");
    Await.result(stopped);
  }

  @Test
  @DisplayName("with webhook.secret set, POST /webhook needs X-Webhook-Secret; without it nothing is processed")
  @SuiteConfig(value = "webhook.secret=shh", http = true)
  void sharedSecret(Vertx vertx, OrchestratorSuite suite, TestAgent agent) {
    WebClient web = WebClient.create(vertx);
    JsonObject body = new JsonObject().put("from", "5511999990000").put("body", "hi");

    HttpResponse<Buffer> missing = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook").sendJsonObject(body));
    HttpResponse<Buffer> wrong = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook")
      .putHeader("X-Webhook-Secret", "nope").sendJsonObject(body));
    HttpResponse<Buffer> right = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook")
      .putHeader("X-Webhook-Secret", "shh").sendJsonObject(body.copy().put("body", "let me in")));

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(agent.startedFor("5511999990000")).containsExactly("let me in");
  }
}
