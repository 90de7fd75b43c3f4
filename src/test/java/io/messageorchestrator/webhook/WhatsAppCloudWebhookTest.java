package io.messageorchestrator.webhook;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WhatsAppCloudWebhookTest {

  @Test
  void textMessage() {
    WhatsAppCloudWebhook.Result result = parseFixture("meta-cloud-inbound-text.json");
    assertThat(result.statuses()).isEmpty();
    assertThat(result.messages()).hasSize(1);
    WebhookMessage message = result.messages().get(0);
    assertThat(message.contactId()).isEqualTo("16505551234");
    InboundMessage inbound = message.message();
    assertThat(inbound.messageId()).isEqualTo("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
    assertThat(inbound.text()).isEqualTo("Does it come in another color?");
    assertThat(inbound.type()).isEqualTo("text");
    assertThat(inbound.timestamp()).isEqualTo(1_749_416_383_000L);
    assertThat(inbound.metadata()).isEqualTo(new JsonObject()
      .put("channel", "whatsapp-cloud")
      .put("phone_number_id", "106540352242922")
      .put("display_phone_number", "15550783881")
      .put("profile_name", "Sheena Nelson"));
  }

  @Test
  void burstKeepsPayloadOrder() {
    WhatsAppCloudWebhook.Result result = parseFixture("meta-cloud-inbound-burst-two-messages.json");
    assertThat(result.messages()).extracting(WebhookMessage::contactId).containsExactly("16505551234", "16505551234");
    assertThat(result.messages()).extracting(m -> m.message().messageId())
      .containsExactly("wamid.TEST0000000000000000000000000000000001", "wamid.TEST0000000000000000000000000000000002");
    assertThat(result.messages()).extracting(m -> m.message().text())
      .containsExactly("hi", "I need help with my order");
    assertThat(result.messages()).extracting(m -> m.message().timestamp())
      .containsExactly(1_749_416_390_000L, 1_749_416_391_000L);
  }

  @Test
  void sentStatusIsAStatusNotAMessage() {
    WhatsAppCloudWebhook.Result result = parseFixture("meta-cloud-status-sent.json");
    assertThat(result.messages()).isEmpty();
    assertThat(result.statuses()).hasSize(1);
    JsonObject status = result.statuses().get(0);
    assertThat(status.getString("id")).isEqualTo("wamid.HBgNNTUxNjk5MjMxODIyMhUCABEYEjgxQkVFRDVBQTVDODFDOTg3MQA=");
    assertThat(status.getString("status")).isEqualTo("sent");
    assertThat(status.getString("recipient_id")).isEqualTo("5516992318222");
    assertThat(status.getString("channel")).isEqualTo("whatsapp-cloud");
    assertThat(status.getString("phone_number_id")).isEqualTo("590968830767958");
    assertThat(status.getLong("timestamp")).isEqualTo(1_750_857_384_000L);
    assertThat(status.containsKey("errors")).isFalse();
  }

  @Test
  void failedStatusCarriesErrors() {
    WhatsAppCloudWebhook.Result result = parseFixture("meta-cloud-status-failed.json");
    assertThat(result.messages()).isEmpty();
    JsonObject status = result.statuses().get(0);
    assertThat(status.getString("status")).isEqualTo("failed");
    assertThat(status.getJsonArray("errors")).hasSize(1);
    assertThat(status.getJsonArray("errors").getJsonObject(0).getInteger("code")).isEqualTo(131047);
  }

  @Test
  void nonTextMessageKeepsItsPayloadInMetadata() {
    JsonObject body = json("meta-cloud-inbound-text.json");
    JsonObject message = firstMessage(body);
    message.remove("text");
    message.put("type", "image").put("image", new JsonObject().put("id", "MEDIA-1").put("mime_type", "image/jpeg"))
      .put("context", new JsonObject().put("id", "wamid.PREVIOUS"));
    InboundMessage inbound = WhatsAppCloudWebhook.parse(body).messages().get(0).message();
    assertThat(inbound.type()).isEqualTo("image");
    assertThat(inbound.text()).isEmpty();
    assertThat(inbound.metadata().getJsonObject("image").getString("id")).isEqualTo("MEDIA-1");
    assertThat(inbound.metadata().getJsonObject("context").getString("id")).isEqualTo("wamid.PREVIOUS");
    assertThat(inbound.metadata().getString("channel")).isEqualTo("whatsapp-cloud");
  }

  @Test
  void otherObjectsAndFieldsAreSkipped() {
    assertThat(WhatsAppCloudWebhook.parse(new JsonObject().put("object", "page").put("entry", "whatever"))
      .messages()).isEmpty();
    JsonObject body = json("meta-cloud-inbound-text.json");
    body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).put("field", "account_update");
    assertThat(WhatsAppCloudWebhook.parse(body).messages()).isEmpty();
  }

  @Test
  void missingOrMistypedFieldsAreNamed() {
    assertField(new JsonObject().put("object", "whatsapp_business_account"), "entry");
    assertField(new JsonObject().put("entry", "x"), "entry");
    assertField(new JsonObject().put("entry", new JsonArray().add(1)), "entry[0]");

    String messagePath = "entry[0].changes[0].value.messages[0]";
    JsonObject noFrom = json("meta-cloud-inbound-text.json");
    firstMessage(noFrom).remove("from");
    assertField(noFrom, messagePath + ".from");

    JsonObject numericFrom = json("meta-cloud-inbound-text.json");
    firstMessage(numericFrom).put("from", 16505551234L);
    assertField(numericFrom, messagePath + ".from");

    JsonObject longFrom = json("meta-cloud-inbound-text.json");
    firstMessage(longFrom).put("from", "a".repeat(129));
    assertField(longFrom, messagePath + ".from");

    JsonObject controlFrom = json("meta-cloud-inbound-text.json");
    firstMessage(controlFrom).put("from", "abc\u0001");
    assertField(controlFrom, messagePath + ".from");

    JsonObject noBody = json("meta-cloud-inbound-text.json");
    firstMessage(noBody).put("text", new JsonObject());
    assertField(noBody, messagePath + ".text.body");

    JsonObject badTimestamp = json("meta-cloud-inbound-text.json");
    firstMessage(badTimestamp).put("timestamp", "yesterday");
    assertField(badTimestamp, messagePath + ".timestamp");

    JsonObject noId = json("meta-cloud-inbound-text.json");
    firstMessage(noId).remove("id");
    assertField(noId, messagePath + ".id");
  }

  @Test
  void rawBodyMustBeStrictUtf8Json() {
    assertThatThrownBy(() -> WhatsAppCloudWebhook.parse(Buffer.buffer(new byte[] {'{', '"', (byte) 0xC3, '"', '}'})))
      .isInstanceOfSatisfying(WebhookException.class, e -> {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("invalid_encoding");
      });
    for (String body : new String[] {"", "{", "[]", "\"text\"", "null", "{\"entry\": [}"}) {
      assertThatThrownBy(() -> WhatsAppCloudWebhook.parse(Buffer.buffer(body)))
        .isInstanceOfSatisfying(WebhookException.class, e -> assertThat(e.code()).isEqualTo("invalid_json"));
    }
  }

  private static void assertField(JsonObject body, String field) {
    assertThatThrownBy(() -> WhatsAppCloudWebhook.parse(body))
      .isInstanceOfSatisfying(WebhookException.class, e -> {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("invalid_field");
        assertThat(e.field()).isEqualTo(field);
      });
  }

  private static JsonObject firstMessage(JsonObject body) {
    return body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
      .getJsonObject("value").getJsonArray("messages").getJsonObject(0);
  }

  private static JsonObject json(String name) {
    return new JsonObject(Buffer.buffer(fixture(name)));
  }

  @Test
  @org.junit.jupiter.api.DisplayName("message echoes (smb_message_echoes) are business replies to their 'to' contact,"
    + " with id, text and the number; never messages")
  void messageEchoesAreBusinessReplies() {
    JsonObject value = new JsonObject().put("metadata", new JsonObject().put("phone_number_id", "106540352242922"))
      .put("message_echoes", new io.vertx.core.json.JsonArray().add(new JsonObject().put("from", "15550783881")
        .put("to", "16505551234").put("id", "wamid.APP1").put("timestamp", "1717604327").put("type", "text")
        .put("text", new JsonObject().put("body", "Ana here"))));
    JsonObject body = new JsonObject().put("object", "whatsapp_business_account")
      .put("entry", new io.vertx.core.json.JsonArray().add(new JsonObject().put("changes",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("field", "smb_message_echoes")
          .put("value", value)))));

    WhatsAppCloudWebhook.Result result = WhatsAppCloudWebhook.parse(body);

    assertThat(result.messages()).isEmpty();
    assertThat(result.businessReplies()).singleElement().satisfies(reply -> {
      assertThat(reply.contactId()).isEqualTo("16505551234");
      assertThat(reply.message().messageId()).isEqualTo("wamid.APP1");
      assertThat(reply.message().text()).isEqualTo("Ana here");
      assertThat(reply.message().metadata().getString("phone_number_id")).isEqualTo("106540352242922");
    });
  }

  private static WhatsAppCloudWebhook.Result parseFixture(String name) {
    return WhatsAppCloudWebhook.parse(Buffer.buffer(fixture(name)));
  }
}
