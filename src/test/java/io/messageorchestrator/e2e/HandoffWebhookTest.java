package io.messageorchestrator.e2e;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.outbound.OutboundEvents;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * V3 on the whole path: the business answering from its own phone pauses the conversation — Evolution {@code fromMe}
 * messages, Cloud API message echoes — while Evolution's echo of this service's own reply (the id the fake Evolution
 * server gave the sent reply, or the reply's text within the echo window) pauses nothing.
 */
@ExtendWith(VertxExtension.class)
class HandoffWebhookTest {
  private static final String CONTACT = "5511999990000";
  /** {@code key.id} of the Evolution send-text answer fixture: the id of every reply the fake server accepts. */
  private static final String SENT_ID = "BAE594145F4C59B4";

  private final List<String> agentCalls = new CopyOnWriteArrayList<>();

  private OrchestratorSuite suite(Vertx vertx, JsonObject outbound) {
    return Suites.startWithHttp(vertx, new JsonObject().put("lockTimeout", 0).put("outbound", outbound),
      (message, context) -> {
        agentCalls.add(message.text());
        return AgentReply.of("re:" + message.text());
      });
  }

  private static HttpResponse<Buffer> post(WebClient web, OrchestratorSuite suite, String path, JsonObject body) {
    return Await.result(web.post(suite.httpPort(), "127.0.0.1", path).putHeader("Content-Type", "application/json")
      .sendBuffer(body.toBuffer()));
  }

  private static JsonObject evolution(String fixture, String id, String text) {
    JsonObject body = new JsonObject(Buffer.buffer(fixture(fixture)));
    body.getJsonObject("data").getJsonObject("key").put("id", id);
    body.getJsonObject("data").put("message", new JsonObject().put("conversation", text));
    return body;
  }

  private static JsonObject customer(String id, String text) {
    return evolution("evolution-messages-upsert-conversation.json", id, text);
  }

  private static JsonObject fromMe(String id, String text) {
    return evolution("evolution-messages-upsert-fromme-echo.json", id, text);
  }

  @Test
  @DisplayName("Evolution: the echo of our reply (its provider id, or its text within the window) pauses nothing;"
    + " the business writing from its phone pauses the conversation, and the contact's next message is held")
  void evolutionEchoesAndBusinessReplies(Vertx vertx) {
    HttpServer evolution = Await.result(vertx.createHttpServer().requestHandler(request -> request.body()
      .onSuccess(body -> request.response().putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(fixture("evolution-send-text-response.json"))))).listen(0, "127.0.0.1"));
    OrchestratorSuite suite = suite(vertx, new JsonObject().put("type", "evolution")
      .put("url", "http://127.0.0.1:" + evolution.actualPort()).put("token", "TEST-INSTANCE-APIKEY"));
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    WebClient web = WebClient.create(vertx);
    try {
      assertThat(post(web, suite, "/webhook/evolution", customer("IN-1", "Oi")).statusCode()).isEqualTo(200);
      assertThat(events.awaitAll(OutboundEvents.REPLY_DELIVERED, 1).getFirst().getString("providerMessageId"))
        .isEqualTo(SENT_ID);

      // The echo of "re:Oi", recognised by the id Evolution gave it (its text may differ, e.g. formatting).
      HttpResponse<Buffer> echo = post(web, suite, "/webhook/evolution", fromMe(SENT_ID, "re: Oi"));
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(echo.bodyAsJsonObject().getInteger("businessReplies")).isEqualTo(1);
      assertThat(Await.result(suite.client().contactStatus(CONTACT, "my-instance")).getBoolean("paused")).isFalse();

      // A second reply, echoed under another id before the provider's answer could name it: its text decides.
      post(web, suite, "/webhook/evolution", customer("IN-2", "Quanto custa?"));
      events.awaitAll(OutboundEvents.REPLY_DELIVERED, 2);
      post(web, suite, "/webhook/evolution", fromMe("ECHO-BY-TEXT", "re:Quanto custa?"));
      assertThat(Await.result(suite.client().contactStatus(CONTACT, "my-instance")).getBoolean("paused")).isFalse();
      assertThat(events.all(Events.CONTACT_PAUSED)).isEmpty();

      // A person at the business answers from the phone: paused.
      post(web, suite, "/webhook/evolution", fromMe("HUMAN-1", "Oi! Aqui é a Ana, já te ajudo."));
      JsonObject paused = events.awaitAll(Events.CONTACT_PAUSED, 1).getFirst();
      assertThat(paused.getString("by")).isEqualTo("business");
      assertThat(paused.getString("account")).isEqualTo("my-instance");
      assertThat(post(web, suite, "/webhook/evolution", customer("IN-3", "Obrigado Ana")).statusCode())
        .isEqualTo(200);
      JsonObject status = Await.result(suite.client().contactStatus(CONTACT, "my-instance"));
      assertThat(status.getBoolean("paused")).isTrue();
      assertThat(status.getInteger("heldCount")).isEqualTo(1);
      assertThat(agentCalls).containsExactly("Oi", "Quanto custa?");
    } finally {
      Await.result(suite.stop());
      Await.result(evolution.close());
    }
  }

  @Test
  @DisplayName("Cloud API: a message echo (smb_message_echoes, sent from the WhatsApp Business app) pauses its"
    + " 'to' contact's conversation; its messages are then held")
  void cloudApiMessageEchoPauses(Vertx vertx) {
    OrchestratorSuite suite = suite(vertx, new JsonObject().put("type", "log"));
    EventRecorder events = EventRecorder.attach(vertx);
    WebClient web = WebClient.create(vertx);
    try {
      JsonObject sentFromTheApp = new JsonObject().put("from", "15550783881").put("to", "16505551234")
        .put("id", "wamid.FROM-THE-APP").put("timestamp", "1717604327").put("type", "text")
        .put("text", new JsonObject().put("body", "Hi, Ana here"));
      JsonObject value = new JsonObject().put("messaging_product", "whatsapp")
        .put("metadata", new JsonObject().put("display_phone_number", "15550783881")
          .put("phone_number_id", "106540352242922"))
        .put("message_echoes", new JsonArray().add(sentFromTheApp));
      JsonObject change = new JsonObject().put("field", "smb_message_echoes").put("value", value);
      JsonObject echo = new JsonObject().put("object", "whatsapp_business_account").put("entry", new JsonArray()
        .add(new JsonObject().put("id", "WABA").put("changes", new JsonArray().add(change))));
      HttpResponse<Buffer> answer = post(web, suite, "/webhook/whatsapp", echo);
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.bodyAsJsonObject().getInteger("received")).isZero();
      assertThat(answer.bodyAsJsonObject().getInteger("businessReplies")).isEqualTo(1);
      assertThat(events.awaitAll(Events.CONTACT_PAUSED, 1).getFirst().getString("account"))
        .isEqualTo("106540352242922");

      JsonObject inbound = new JsonObject(Buffer.buffer(fixture("meta-cloud-inbound-text.json")));
      inbound.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
        .getJsonObject("metadata").put("phone_number_id", "106540352242922");
      assertThat(post(web, suite, "/webhook/whatsapp", inbound).statusCode()).isEqualTo(200);
      assertThat(events.awaitAll(Events.MESSAGE_HELD, 1).getFirst().getString("contactId")).isEqualTo("16505551234");
      assertThat(agentCalls).isEmpty();
    } finally {
      Await.result(suite.stop());
    }
  }
}
