package io.messageorchestrator.e2e;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.outbound.OutboundEvents;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path on loopback: a signed Meta Cloud API webhook → orchestrator → agent → outbound delivery to a fake
 * Graph API that fails once, including the reply of a message that had to wait in the queue.
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class WhatsAppEndToEndTest {

  private static Buffer fixture(String name) throws IOException {
    try (InputStream in = WhatsAppEndToEndTest.class.getResourceAsStream("/fixtures/whatsapp/" + name)) {
      return Buffer.buffer(in.readAllBytes());
    }
  }

  @Test
  @DisplayName("a signed burst of two messages is answered 200 at once and both replies reach the Graph API in order")
  void burstRepliesDeliveredInOrder(Vertx vertx) throws IOException {
    List<JsonObject> sent = new CopyOnWriteArrayList<>();
    List<String> paths = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    HttpServer graph = Await.result(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      if (calls.incrementAndGet() == 1) {
        request.response().setStatusCode(500).end("{\"error\":{\"message\":\"try again\"}}");
        return;
      }
      sent.add(body.toJsonObject());
      paths.add(request.path() + " " + request.getHeader("Authorization"));
      request.response().putHeader("Content-Type", "application/json")
        .end("{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.out\"}]}");
    })).listen(0, "127.0.0.1"));
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject()
      .put("lockTimeout", 0)
      .put("whatsapp", new JsonObject().put("appSecret", "test_app_secret").put("verifyToken", "vt"))
      .put("outbound", new JsonObject().put("type", "whatsapp-cloud").put("token", "graph-token")
        .put("url", "http://127.0.0.1:" + graph.actualPort()).put("initialBackoff", 10).put("maxAttempts", 3)), agent);
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED, OutboundEvents.REPLY_FAILED);
    Buffer burst = fixture("meta-cloud-inbound-burst-two-messages.json");
    String signature = "sha256=" + hmacHex("test_app_secret", burst.getBytes());
    WebClient web = WebClient.create(vertx);

    HttpResponse<Buffer> answer = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook/whatsapp")
      .putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", signature).sendBuffer(burst));
    HttpResponse<Buffer> redelivery = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook/whatsapp")
      .putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", signature).sendBuffer(burst));

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.bodyAsJsonObject().getInteger("received")).isEqualTo(2);
    assertThat(redelivery.statusCode()).isEqualTo(200);
    List<JsonObject> delivered = events.awaitAll(OutboundEvents.REPLY_DELIVERED, 2);
    assertThat(delivered.get(0).getInteger("attempts")).isEqualTo(2);
    assertThat(sent).extracting(body -> body.getJsonObject("text").getString("body"))
      .containsExactly("re:hi", "re:I need help with my order");
    assertThat(sent).extracting(body -> body.getString("to")).containsOnly("16505551234");
    assertThat(paths).containsOnly("/v21.0/106540352242922/messages Bearer graph-token");
    assertThat(events.awaitAll(Events.DUPLICATE_IGNORED, 2)).hasSize(2);
    assertThat(events.all(Events.MESSAGE_PROCESSED)).hasSize(2);
    assertThat(events.all(Events.MESSAGE_PROCESSED)).extracting(e -> e.getBoolean("queued")).containsOnly(true);
  }

  @Test
  @DisplayName("a webhook whose message is refused (queue full) answers 429 so the provider retries; the retry is accepted")
  @SuiteConfig(value = {"maxQueueSize=1", "lockTimeout=0"}, http = true)
  void refusedMessageIsRetriedByProvider(Vertx vertx, OrchestratorSuite suite, TestAgent agent, EventRecorder events)
    throws IOException {
    WebClient web = WebClient.create(vertx);
    // The fixture's conversation: its sender writing to its business number (phone_number_id).
    suite.client().submit(new io.messageorchestrator.core.ProcessRequest("106540352242922", "16505551234",
      io.messageorchestrator.core.InboundMessage.text("block:busy"), true, null));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Buffer burst = fixture("meta-cloud-inbound-burst-two-messages.json");

    HttpResponse<Buffer> refused = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook/whatsapp")
      .putHeader("Content-Type", "application/json").sendBuffer(burst));
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.getHeader("Retry-After")).isNotBlank();
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("queue_full");

    agent.open("busy");
    events.awaitAll(Events.MESSAGE_PROCESSED, 2);
    HttpResponse<Buffer> retried = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook/whatsapp")
      .putHeader("Content-Type", "application/json").sendBuffer(burst));
    assertThat(retried.statusCode()).isEqualTo(200);
    events.awaitAll(Events.MESSAGE_PROCESSED, 3);
    assertThat(agent.startedFor("16505551234")).containsExactly("block:busy", "hi", "I need help with my order");
    assertThat(events.awaitAll(Events.DUPLICATE_IGNORED, 1).get(0).getString("messageId"))
      .isEqualTo("wamid.TEST0000000000000000000000000000000001");
  }

  private static String hmacHex(String secret, byte[] body) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "HmacSHA256"));
      return java.util.HexFormat.of().formatHex(mac.doFinal(body));
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
