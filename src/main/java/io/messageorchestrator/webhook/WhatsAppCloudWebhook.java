package io.messageorchestrator.webhook;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Meta WhatsApp Cloud API webhook payloads: {@code entry[].changes[].value} with {@code messages[]} (inbound, in
 * payload order) and {@code statuses[]} (delivery updates of our own messages, never messages). Changes of other
 * fields and other {@code object}s are skipped, so that a subscription to more topics cannot cause endless retries.
 * Message echoes ({@code smb_message_echoes}: {@code value.message_echoes[]}, what the business sent from the
 * WhatsApp Business app on a number shared with the Cloud API) are <em>business replies</em> to their {@code to}
 * contact (V3), never messages for the agent.
 */
public final class WhatsAppCloudWebhook {
  public static final String CHANNEL = "whatsapp-cloud";

  private static final String OBJECT = "whatsapp_business_account";
  private static final String MESSAGES_FIELD = "messages";
  private static final String ECHOES_FIELD = "smb_message_echoes";

  /**
   * @param messages inbound messages in payload order
   * @param statuses {@code {channel, id, status, recipient_id, timestamp?, errors?, phone_number_id?}} per status
   */
  public record Result(List<WebhookMessage> messages, List<JsonObject> statuses, List<WebhookMessage> businessReplies) {
    public Result(List<WebhookMessage> messages, List<JsonObject> statuses) {
      this(messages, statuses, List.of());
    }
  }

  private WhatsAppCloudWebhook() {
  }

  /** Decodes (strict UTF-8) and parses a raw body; throws {@link WebhookException} naming the bad field. */
  public static Result parse(Buffer raw) {
    return parse(Payloads.jsonObject(raw));
  }

  public static Result parse(JsonObject body) {
    List<WebhookMessage> messages = new ArrayList<>();
    List<JsonObject> statuses = new ArrayList<>();
    List<WebhookMessage> businessReplies = new ArrayList<>();
    Object object = body.getValue("object");
    if (object != null && !OBJECT.equals(object)) {
      return new Result(messages, statuses);
    }
    JsonArray entries = Payloads.array(body, "entry", "entry", true);
    for (int e = 0; e < entries.size(); e++) {
      String entryPath = "entry[" + e + "]";
      JsonObject entry = Payloads.element(entries, e, entryPath);
      JsonArray changes = Payloads.array(entry, "changes", entryPath + ".changes", false);
      for (int c = 0; c < changes.size(); c++) {
        String changePath = entryPath + ".changes[" + c + "]";
        JsonObject change = Payloads.element(changes, c, changePath);
        String field = Payloads.optionalString(change, "field", changePath + ".field");
        JsonObject value = Payloads.object(change, "value", changePath + ".value", false);
        if (value != null && (field == null || MESSAGES_FIELD.equals(field))) {
          readValue(value, changePath + ".value", messages, statuses);
        } else if (value != null && ECHOES_FIELD.equals(field)) {
          readEchoes(value, changePath + ".value", businessReplies);
        }
      }
    }
    return new Result(messages, statuses, businessReplies);
  }

  /** {@code message_echoes[]}: what the business sent; the contact is the recipient ({@code to}). */
  private static void readEchoes(JsonObject value, String path, List<WebhookMessage> businessReplies) {
    JsonObject metadata = Payloads.object(value, "metadata", path + ".metadata", false);
    JsonObject channel = new JsonObject().put("channel", CHANNEL);
    if (metadata != null) {
      putIfString(channel, "phone_number_id", metadata.getValue("phone_number_id"));
      putIfString(channel, "display_phone_number", metadata.getValue("display_phone_number"));
    }
    JsonArray items = Payloads.array(value, "message_echoes", path + ".message_echoes", false);
    for (int m = 0; m < items.size(); m++) {
      String echoPath = path + ".message_echoes[" + m + "]";
      JsonObject item = Payloads.element(items, m, echoPath);
      String contactId = Payloads.contactId(Payloads.string(item, "to", echoPath + ".to"), echoPath + ".to");
      String id = Payloads.string(item, "id", echoPath + ".id");
      long timestamp = Payloads.epochSecondsToMillis(item.getValue("timestamp"), echoPath + ".timestamp");
      String type = Payloads.optionalString(item, "type", echoPath + ".type");
      String text = "";
      if (type == null || type.isBlank() || type.equals("text")) {
        type = "text";
        JsonObject textObject = Payloads.object(item, "text", echoPath + ".text", false);
        text = textObject == null ? "" : Payloads.optionalString(textObject, "body", echoPath + ".text.body");
        text = text == null ? "" : text;
      }
      businessReplies.add(new WebhookMessage(contactId, new InboundMessage(text, id, type, timestamp, channel.copy())));
    }
  }

  private static void readValue(JsonObject value, String path, List<WebhookMessage> messages,
                                List<JsonObject> statuses) {
    JsonObject metadata = Payloads.object(value, "metadata", path + ".metadata", false);
    JsonObject channel = new JsonObject().put("channel", CHANNEL);
    if (metadata != null) {
      putIfString(channel, "phone_number_id", metadata.getValue("phone_number_id"));
      putIfString(channel, "display_phone_number", metadata.getValue("display_phone_number"));
    }
    Map<String, String> profileNames = profileNames(value, path);
    JsonArray items = Payloads.array(value, "messages", path + ".messages", false);
    for (int m = 0; m < items.size(); m++) {
      String messagePath = path + ".messages[" + m + "]";
      messages.add(message(Payloads.element(items, m, messagePath), messagePath, channel, profileNames));
    }
    JsonArray updates = Payloads.array(value, "statuses", path + ".statuses", false);
    for (int s = 0; s < updates.size(); s++) {
      String statusPath = path + ".statuses[" + s + "]";
      statuses.add(status(Payloads.element(updates, s, statusPath), statusPath, channel));
    }
  }

  private static WebhookMessage message(JsonObject item, String path, JsonObject channel,
                                        Map<String, String> profileNames) {
    String from = Payloads.string(item, "from", path + ".from");
    String contactId = Payloads.contactId(from, path + ".from");
    String id = Payloads.string(item, "id", path + ".id");
    long timestamp = Payloads.epochSecondsToMillis(item.getValue("timestamp"), path + ".timestamp");
    String type = Payloads.optionalString(item, "type", path + ".type");
    if (type == null || type.isBlank()) {
      type = "text";
    }
    JsonObject metadata = channel.copy();
    String name = profileNames.containsKey(from) ? profileNames.get(from)
      : profileNames.size() == 1 ? profileNames.values().iterator().next() : null;
    putIfString(metadata, "profile_name", name);
    JsonObject context = Payloads.object(item, "context", path + ".context", false);
    if (context != null) {
      metadata.put("context", context.copy());
    }
    String text;
    if (type.equals("text")) {
      JsonObject textObject = Payloads.object(item, "text", path + ".text", true);
      text = Payloads.string(textObject, "body", path + ".text.body");
    } else {
      text = "";
      Object payload = item.getValue(type);
      if (payload instanceof JsonObject object) {
        metadata.put(type, object.copy());
      } else if (payload instanceof JsonArray array) {
        metadata.put(type, array.copy());
      }
    }
    return new WebhookMessage(contactId, new InboundMessage(text, id, type, timestamp, metadata));
  }

  private static JsonObject status(JsonObject item, String path, JsonObject channel) {
    JsonObject status = channel.copy()
      .put("id", Payloads.optionalString(item, "id", path + ".id"))
      .put("status", Payloads.optionalString(item, "status", path + ".status"))
      .put("recipient_id", Payloads.optionalString(item, "recipient_id", path + ".recipient_id"));
    if (item.getValue("timestamp") != null) {
      status.put("timestamp", Payloads.epochSecondsToMillis(item.getValue("timestamp"), path + ".timestamp"));
    }
    if (item.getValue("errors") != null) {
      status.put("errors", Payloads.array(item, "errors", path + ".errors", true).copy());
    }
    return status;
  }

  /** {@code wa_id → profile.name} of {@code value.contacts[]}; unnamed contacts are left out. */
  private static Map<String, String> profileNames(JsonObject value, String path) {
    Map<String, String> names = new HashMap<>();
    JsonArray contacts = Payloads.array(value, "contacts", path + ".contacts", false);
    for (int i = 0; i < contacts.size(); i++) {
      if (contacts.getValue(i) instanceof JsonObject contact && contact.getValue("profile") instanceof JsonObject profile
        && profile.getValue("name") instanceof String name) {
        names.put(contact.getValue("wa_id") instanceof String waId ? waId : "", name);
      }
    }
    return names;
  }

  private static void putIfString(JsonObject target, String key, Object value) {
    if (value instanceof String text) {
      target.put(key, text);
    }
  }
}
