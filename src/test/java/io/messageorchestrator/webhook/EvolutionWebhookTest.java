package io.messageorchestrator.webhook;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.messageorchestrator.webhook.WebhookMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvolutionWebhookTest {

  @Test
  void conversation() {
    EvolutionWebhook.Result result = EvolutionWebhook.parse(Buffer.buffer(fixture(
      "evolution-messages-upsert-conversation.json")), false);
    assertThat(result.ignored()).isZero();
    assertThat(result.messages()).hasSize(1);
    WebhookMessage message = result.messages().get(0);
    assertThat(message.contactId()).isEqualTo("5511999990000");
    InboundMessage inbound = message.message();
    assertThat(inbound.messageId()).isEqualTo("3A554E20ECABF3D45BB2");
    assertThat(inbound.text()).isEqualTo("Oi, tudo bem?");
    assertThat(inbound.type()).isEqualTo("text");
    assertThat(inbound.timestamp()).isEqualTo(1_717_604_330_000L);
    assertThat(inbound.metadata()).isEqualTo(new JsonObject()
      .put("channel", "evolution").put("instance", "my-instance").put("pushName", "Giovanna"));
  }

  @Test
  void extendedText() {
    EvolutionWebhook.Result result = EvolutionWebhook.parse(json("evolution-messages-upsert-extended-text.json"), false);
    InboundMessage inbound = result.messages().get(0).message();
    assertThat(inbound.text()).isEqualTo("veja https://example.com/produto/123");
    assertThat(inbound.messageId()).isEqualTo("3EB0C0BD05DCA97A7C09CB");
    assertThat(inbound.type()).isEqualTo("text");
  }

  @Test
  @DisplayName("a fromMe message to a contact is never a message for the agent: it is a business reply (V3), with its"
    + " id, text and instance, for the orchestrator to tell a human's answer from the echo of its own send")
  void fromMeIsABusinessReply() {
    EvolutionWebhook.Result result = EvolutionWebhook.parse(json("evolution-messages-upsert-fromme-echo.json"), false);
    assertThat(result.messages()).isEmpty();
    assertThat(result.ignored()).isZero();
    assertThat(result.businessReplies()).hasSize(1);
    WebhookMessage reply = result.businessReplies().get(0);
    assertThat(reply.contactId()).isEqualTo("5511999990000");
    assertThat(reply.message().messageId()).isEqualTo("4DA1D8D1B5B0139AC8C44B44B8CF5A93");
    assertThat(reply.message().text()).isEqualTo("Obrigado pelo contato. Como podemos ajudar?");
    assertThat(reply.message().metadata().getString("instance")).isEqualTo("my-instance");
  }

  @Test
  @DisplayName("a fromMe message in a group is ignored (a human in a group is not a handoff)")
  void fromMeInAGroupIsIgnored() {
    JsonObject body = json("evolution-messages-upsert-fromme-echo.json");
    body.getJsonObject("data").getJsonObject("key").put("remoteJid", "120363025246125486@g.us");
    EvolutionWebhook.Result result = EvolutionWebhook.parse(body, true);
    assertThat(result.businessReplies()).isEmpty();
    assertThat(result.ignored()).isEqualTo(1);
  }

  @Test
  void groupsAreIgnoredUnlessAccepted() {
    JsonObject body = json("evolution-messages-upsert-conversation.json");
    body.getJsonObject("data").getJsonObject("key").put("remoteJid", "120363025246125486@g.us")
      .put("participant", "5511999990000@s.whatsapp.net");
    assertThat(EvolutionWebhook.parse(body, false).ignored()).isEqualTo(1);
    EvolutionWebhook.Result accepted = EvolutionWebhook.parse(body, true);
    assertThat(accepted.messages()).hasSize(1);
    assertThat(accepted.messages().get(0).contactId()).isEqualTo("120363025246125486@g.us");
    assertThat(accepted.messages().get(0).message().metadata().getString("participant"))
      .isEqualTo("5511999990000@s.whatsapp.net");
  }

  @Test
  void otherEventsAndBroadcastsAreIgnored() {
    assertThat(EvolutionWebhook.parse(new JsonObject().put("event", "connection.update").put("data", 1), false))
      .isEqualTo(new EvolutionWebhook.Result(List.of(), 1));
    JsonObject broadcast = json("evolution-messages-upsert-conversation.json");
    broadcast.getJsonObject("data").getJsonObject("key").put("remoteJid", "status@broadcast");
    assertThat(EvolutionWebhook.parse(broadcast, true).ignored()).isEqualTo(1);
  }

  @Test
  void upperCaseEventNameAndArrayDataAreAccepted() {
    JsonObject body = json("evolution-messages-upsert-conversation.json");
    JsonObject echo = json("evolution-messages-upsert-fromme-echo.json").getJsonObject("data");
    body.put("event", "MESSAGES_UPSERT").put("data", new JsonArray().add(body.getJsonObject("data")).add(echo));
    EvolutionWebhook.Result result = EvolutionWebhook.parse(body, false);
    assertThat(result.messages()).hasSize(1);
    assertThat(result.businessReplies()).hasSize(1);
    assertThat(result.ignored()).isZero();
  }

  @Test
  void nonTextMessageHasEmptyTextAndItsPayload() {
    JsonObject body = json("evolution-messages-upsert-conversation.json");
    body.getJsonObject("data").put("messageType", "imageMessage")
      .put("message", new JsonObject().put("imageMessage", new JsonObject().put("mimetype", "image/jpeg")));
    InboundMessage inbound = EvolutionWebhook.parse(body, false).messages().get(0).message();
    assertThat(inbound.type()).isEqualTo("imageMessage");
    assertThat(inbound.text()).isEmpty();
    assertThat(inbound.metadata().getJsonObject("message").containsKey("imageMessage")).isTrue();
  }

  @Test
  void protobufLongTimestamp() {
    JsonObject body = json("evolution-messages-upsert-conversation.json");
    body.getJsonObject("data").put("messageTimestamp", new JsonObject().put("low", 1717604330).put("high", 0)
      .put("unsigned", false));
    assertThat(EvolutionWebhook.parse(body, false).messages().get(0).message().timestamp())
      .isEqualTo(1_717_604_330_000L);
  }

  @Test
  void missingOrMistypedFieldsAreNamed() {
    assertField(new JsonObject(), "event");
    assertField(new JsonObject().put("event", "messages.upsert"), "data");
    JsonObject noJid = json("evolution-messages-upsert-conversation.json");
    noJid.getJsonObject("data").getJsonObject("key").remove("remoteJid");
    assertField(noJid, "data.key.remoteJid");
    JsonObject emptyJid = json("evolution-messages-upsert-conversation.json");
    emptyJid.getJsonObject("data").getJsonObject("key").put("remoteJid", "@s.whatsapp.net");
    assertField(emptyJid, "data.key.remoteJid");
    JsonObject badFromMe = json("evolution-messages-upsert-conversation.json");
    badFromMe.getJsonObject("data").getJsonObject("key").put("fromMe", "no");
    assertField(badFromMe, "data.key.fromMe");
    JsonObject noId = json("evolution-messages-upsert-conversation.json");
    noId.getJsonObject("data").getJsonObject("key").put("id", 12);
    assertField(noId, "data.key.id");
  }

  @Test
  void apiKeyFromBodyOrHeader() {
    JsonObject body = json("evolution-messages-upsert-conversation.json");
    assertThat(EvolutionWebhook.authorized(null, null, body)).isTrue();
    assertThat(EvolutionWebhook.authorized("TEST-INSTANCE-APIKEY", null, body)).isTrue();
    assertThat(EvolutionWebhook.authorized("other", null, body)).isFalse();
    assertThat(EvolutionWebhook.authorized("other", "other", body)).isTrue();
    body.remove("apikey");
    assertThat(EvolutionWebhook.authorized("TEST-INSTANCE-APIKEY", null, body)).isFalse();
    assertThat(EvolutionWebhook.authorized("TEST-INSTANCE-APIKEY", "TEST-INSTANCE-APIKEY", body)).isTrue();
  }

  private static void assertField(JsonObject body, String field) {
    assertThatThrownBy(() -> EvolutionWebhook.parse(body, false))
      .isInstanceOfSatisfying(WebhookException.class, e -> {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("invalid_field");
        assertThat(e.field()).isEqualTo(field);
      });
  }

  private static JsonObject json(String name) {
    return new JsonObject(Buffer.buffer(fixture(name)));
  }
}
