package io.messageorchestrator.e2e;

import io.messageorchestrator.OrchestratorSuite;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, "done when": the README's OpenAI quick start (Cloud API webhook in, `processor.type=openai`, Cloud API
 * replies out) with burst coalescing on answers a burst of three fragments with one reply — one chat-completions
 * request holding the three fragments as consecutive user messages after the system prompt. A fake OpenAI-compatible
 * server and a fake Graph API on loopback; no network.
 */
@Timeout(60)
@DisplayName("OpenAI quick start: a WhatsApp burst of three fragments gets one reply")
class OpenAiQuickStartTest {
  private static final String APP_SECRET = "quick_start_secret";
  private final Vertx vertx = Vertx.vertx();
  private OrchestratorSuite suite;

  @AfterEach
  void stop() {
    if (suite != null) {
      Await.result(suite.stop());
    }
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("three signed Cloud API messages → one chat completion with the three as user messages → one reply to"
    + " the Graph API")
  void burstOfThreeAnsweredOnce() {
    List<JsonObject> completions = new CopyOnWriteArrayList<>();
    HttpServer openAi = Await.result(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(
      body -> {
        completions.add(body.toJsonObject().put("path", request.path())
          .put("authorization", request.getHeader("Authorization")));
        request.response().putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("choices", new JsonArray().add(new JsonObject().put("message", new JsonObject()
            .put("role", "assistant").put("content", "The premium plan for 3 users is $30 a month."))))
          .encode());
      })).listen(0, "127.0.0.1"));
    List<JsonObject> sent = new CopyOnWriteArrayList<>();
    HttpServer graph = Await.result(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(
      body -> {
        sent.add(body.toJsonObject());
        request.response().putHeader("Content-Type", "application/json")
          .end("{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.out1\"}]}");
      })).listen(0, "127.0.0.1"));
    suite = Suites.startWithHttp(vertx, new JsonObject()
      .put("processor", new JsonObject().put("type", "openai").put("url", "http://127.0.0.1:" + openAi.actualPort())
        .put("model", "gpt-4o-mini").put("apiKey", "sk-test").put("systemPrompt", "You are Acme's sales assistant."))
      .put("coalesce", new JsonObject().put("quietWindow", 300))
      .put("whatsapp", new JsonObject().put("appSecret", APP_SECRET).put("verifyToken", "vt"))
      .put("outbound", new JsonObject().put("type", "whatsapp-cloud").put("token", "graph-token")
        .put("url", "http://127.0.0.1:" + graph.actualPort())), null);
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    WebClient web = WebClient.create(vertx);

    List<String> fragments = List.of("hi", "I want the premium plan", "for 3 users?");
    for (int i = 0; i < fragments.size(); i++) {
      Buffer payload = cloudApiMessage("wamid.BURST" + i, fragments.get(i));
      HttpResponse<Buffer> answer = Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook/whatsapp")
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", "sha256=" + hmacHex(payload.getBytes())).sendBuffer(payload));
      assertThat(answer.statusCode()).isEqualTo(200);
    }

    events.awaitAll(OutboundEvents.REPLY_DELIVERED, 1);
    assertThat(completions).as("one model call for the burst").hasSize(1);
    JsonObject request = completions.get(0);
    assertThat(request.getString("path")).isEqualTo("/v1/chat/completions");
    assertThat(request.getString("authorization")).isEqualTo("Bearer sk-test");
    assertThat(request.getString("model")).isEqualTo("gpt-4o-mini");
    List<JsonObject> messages = request.getJsonArray("messages").stream().map(JsonObject.class::cast).toList();
    assertThat(messages.get(0).getString("role")).isEqualTo("system");
    assertThat(messages.subList(1, messages.size())).extracting(m -> m.getString("role") + ": " + m.getString("content"))
      .containsExactly("user: hi", "user: I want the premium plan", "user: for 3 users?");
    assertThat(sent).as("one reply to the customer").singleElement().satisfies(reply -> {
      assertThat(reply.getString("to")).isEqualTo("16505551234");
      assertThat(reply.getJsonObject("text").getString("body")).isEqualTo("The premium plan for 3 users is $30 a month.");
    });
  }

  private static Buffer cloudApiMessage(String id, String text) {
    JsonObject value = new JsonObject().put("messaging_product", "whatsapp")
      .put("metadata", new JsonObject().put("display_phone_number", "15550783881")
        .put("phone_number_id", "106540352242922"))
      .put("contacts", new JsonArray().add(new JsonObject().put("profile", new JsonObject().put("name", "Sheena"))
        .put("wa_id", "16505551234")))
      .put("messages", new JsonArray().add(new JsonObject().put("from", "16505551234").put("id", id)
        .put("timestamp", "1749416390").put("type", "text").put("text", new JsonObject().put("body", text))));
    return new JsonObject().put("object", "whatsapp_business_account").put("entry", new JsonArray().add(
      new JsonObject().put("id", "102290129340398").put("changes", new JsonArray().add(new JsonObject()
        .put("value", value).put("field", "messages"))))).toBuffer();
  }

  private static String hmacHex(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(APP_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
