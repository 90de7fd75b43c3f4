package io.messageorchestrator.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What Meta's WhatsApp Cloud API posts to {@code /webhook/whatsapp} for one text message (unsigned). */
final class CloudApiPayloads {
  private CloudApiPayloads() {
  }

  /** A notification with one text message {@code messageId} ({@code wamid.…}) from {@code contactId}. */
  static JsonObject text(String contactId, String messageId, String text) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("object", "whatsapp_business_account").put("entry",
      new JsonArray().add(new JsonObject().put("id", "1").put("changes", new JsonArray().add(new JsonObject()
        .put("field", "messages").put("value", new JsonObject().put("messaging_product", "whatsapp")
          .put("metadata", new JsonObject().put("display_phone_number", "15550000000")
            .put("phone_number_id", "100000000000001"))
          .put("messages", new JsonArray().add(new JsonObject().put("from", contactId)
            .put("id", messageId).put("timestamp", Long.toString(now)).put("type", "text")
            .put("text", new JsonObject().put("body", text)))))))));
  }
}
