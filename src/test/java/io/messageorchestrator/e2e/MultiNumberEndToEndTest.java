package io.messageorchestrator.e2e;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.outbound.OutboundEvents;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V6 on the whole path: one deployment, two WhatsApp Cloud API numbers. The same person writes to both through the
 * Meta webhook (the fixture, with its {@code phone_number_id} set to each number): two conversations — the first
 * number's call still running does not hold the second's — and each reply leaves from its own number with its own
 * token, to a fake Graph API.
 */
@ExtendWith(VertxExtension.class)
class MultiNumberEndToEndTest {
  private static final String SHOP = "111000111";
  private static final String CLINIC = "222000222";

  @Test
  @DisplayName("the same person writing to two business numbers: two lanes, each reply from its own number with its own token")
  void twoNumbersTwoConversations(Vertx vertx) throws Exception {
    List<String> sent = new CopyOnWriteArrayList<>();
    Router graph = Router.router(vertx);
    graph.post("/v21.0/:phoneNumberId/messages").handler(BodyHandler.create()).handler(context -> {
      sent.add(context.pathParam("phoneNumberId") + " " + context.request().getHeader("Authorization") + " "
        + context.body().asJsonObject().getString("to") + " "
        + context.body().asJsonObject().getJsonObject("text").getString("body"));
      context.json(new JsonObject().put("messaging_product", "whatsapp"));
    });
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(graph).listen(0, "127.0.0.1"));
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject()
      .put("lockTimeout", 0)
      .put("outbound", new JsonObject().put("type", "whatsapp-cloud")
        .put("url", "http://127.0.0.1:" + server.actualPort())
        .put("accounts", new JsonObject()
          .put(SHOP, new JsonObject().put("token", "shop-token"))
          .put(CLINIC, new JsonObject().put("token", "clinic-token")))), agent);
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    WebClient web = WebClient.create(vertx);
    try {
      assertThat(post(web, suite, inbound(SHOP, "wamid.A1", "block:shop")).statusCode()).isEqualTo(200);
      agent.awaitStarted("block:shop");
      assertThat(post(web, suite, inbound(CLINIC, "wamid.B1", "is my appointment confirmed?")).statusCode())
        .isEqualTo(200);

      // The clinic conversation is answered while the shop conversation's call is still running: its own lane.
      events.awaitAll(OutboundEvents.REPLY_DELIVERED, 1);
      assertThat(sent).containsExactly(CLINIC + " Bearer clinic-token 16505551234 re:is my appointment confirmed?");
      agent.open("shop");
      events.awaitAll(OutboundEvents.REPLY_DELIVERED, 2);
      assertThat(sent).element(1).isEqualTo(SHOP + " Bearer shop-token 16505551234 re:block:shop");
      // Each event name has its own consumer: a replyDelivered may be recorded before its messageProcessed.
      assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 2)).extracting(event -> event.getString("account"))
        .containsExactly(CLINIC, SHOP);
    } finally {
      agent.openAll();
    }
  }

  private static HttpResponse<Buffer> post(WebClient web, OrchestratorSuite suite, Buffer body) {
    return Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook/whatsapp")
      .putHeader("Content-Type", "application/json").sendBuffer(body));
  }

  /** The Meta fixture's text message, sent to {@code phoneNumberId}, with its own id and text. */
  private static Buffer inbound(String phoneNumberId, String messageId, String text) throws IOException {
    String fixture;
    try (InputStream in = MultiNumberEndToEndTest.class.getResourceAsStream(
      "/fixtures/whatsapp/meta-cloud-inbound-text.json")) {
      fixture = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    JsonObject payload = new JsonObject(fixture);
    JsonObject value = payload.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
      .getJsonObject("value");
    value.getJsonObject("metadata").put("phone_number_id", phoneNumberId);
    JsonObject message = value.getJsonArray("messages").getJsonObject(0);
    message.put("id", messageId).put("text", new JsonObject().put("body", text));
    return payload.toBuffer();
  }
}
