package io.messageorchestrator.webhook;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Evolution API webhook payloads. Only {@code messages.upsert} ({@code MESSAGES_UPSERT}) carries messages; other
 * events, broadcasts, protocol messages and, unless accepted, group messages are counted as ignored. A message of
 * the instance's own number to a contact ({@code fromMe}) is a <em>business reply</em>: someone answered from the
 * business's phone — or it is the echo of this service's own send, which the orchestrator tells apart (V3). Never a
 * message for the agent. {@code data} may be one message or an array of them.
 */
public final class EvolutionWebhook {
  public static final String CHANNEL = "evolution";
  /** Header Evolution may send the instance's API key in (the body's top-level {@code apikey} also counts). */
  public static final String APIKEY_HEADER = "apikey";

  private static final String UPSERT = "messages.upsert";
  private static final String PERSON_SUFFIX = "@s.whatsapp.net";
  private static final String GROUP_SUFFIX = "@g.us";
  private static final String BROADCAST_SUFFIX = "@broadcast";

  /**
   * @param ignored         events and messages deliberately not processed (not errors)
   * @param businessReplies {@code fromMe} messages to a contact: the business's own (or this service's echoed) sends
   */
  public record Result(List<WebhookMessage> messages, int ignored, List<WebhookMessage> businessReplies) {
    public Result(List<WebhookMessage> messages, int ignored) {
      this(messages, ignored, List.of());
    }
  }

  private EvolutionWebhook() {
  }

  /** Decodes (strict UTF-8) and parses a raw body; throws {@link WebhookException} naming the bad field. */
  public static Result parse(Buffer raw, boolean acceptGroups) {
    return parse(Payloads.jsonObject(raw), acceptGroups);
  }

  public static Result parse(JsonObject body, boolean acceptGroups) {
    String event = Payloads.string(body, "event", "event");
    if (!UPSERT.equals(event.toLowerCase(Locale.ROOT).replace('_', '.'))) {
      return new Result(List.of(), 1);
    }
    String instance = Payloads.optionalString(body, "instance", "instance");
    List<WebhookMessage> messages = new ArrayList<>();
    List<WebhookMessage> businessReplies = new ArrayList<>();
    int ignored = 0;
    Object data = body.getValue("data");
    int count = data instanceof JsonArray array ? array.size() : 1;
    for (int i = 0; i < count; i++) {
      String path = data instanceof JsonArray ? "data[" + i + "]" : "data";
      JsonObject item = data instanceof JsonArray array ? Payloads.element(array, i, path)
        : Payloads.object(body, "data", "data", true);
      JsonObject key = Payloads.object(item, "key", path + ".key", true);
      boolean fromMe = Payloads.optionalBoolean(key, "fromMe", path + ".key.fromMe");
      WebhookMessage message = message(item, path, instance, acceptGroups);
      if (message == null) {
        ignored++;
      } else if (fromMe) {
        businessReplies.add(message);
      } else {
        messages.add(message);
      }
    }
    return new Result(messages, ignored, businessReplies);
  }

  /**
   * Whether the request carries the configured API key, in the {@code apikey} header or the body's {@code apikey}
   * field; always true when no key is configured.
   */
  public static boolean authorized(String apiKey, String header, JsonObject body) {
    if (apiKey == null) {
      return true;
    }
    Object field = body == null ? null : body.getValue("apikey");
    return Signatures.safeEquals(apiKey, header) || (field instanceof String key && Signatures.safeEquals(apiKey, key));
  }

  /** The message of one {@code data} item, or {@code null} when it is to be ignored. */
  private static WebhookMessage message(JsonObject data, String path, String instance, boolean acceptGroups) {
    JsonObject key = Payloads.object(data, "key", path + ".key", true);
    String remoteJid = Payloads.string(key, "remoteJid", path + ".key.remoteJid");
    String id = Payloads.string(key, "id", path + ".key.id");
    boolean fromMe = Payloads.optionalBoolean(key, "fromMe", path + ".key.fromMe");
    boolean group = remoteJid.endsWith(GROUP_SUFFIX);
    // The business's own messages count only in one-to-one chats: a human taking over a group is not handoff.
    if (remoteJid.endsWith(BROADCAST_SUFFIX) || (group && (fromMe || !acceptGroups))) {
      return null;
    }
    JsonObject content = Payloads.object(data, "message", path + ".message", false);
    String messageType = Payloads.optionalString(data, "messageType", path + ".messageType");
    if (content == null || "protocolMessage".equals(messageType) || content.containsKey("protocolMessage")) {
      return null;
    }
    String contactId = group ? Payloads.contactId(remoteJid, path + ".key.remoteJid")
      : Payloads.contactId(remoteJid.endsWith(PERSON_SUFFIX)
        ? remoteJid.substring(0, remoteJid.length() - PERSON_SUFFIX.length()) : remoteJid, path + ".key.remoteJid");
    long timestamp = Payloads.epochSecondsToMillis(data.getValue("messageTimestamp"), path + ".messageTimestamp");

    JsonObject metadata = new JsonObject().put("channel", CHANNEL);
    if (instance != null) {
      metadata.put("instance", instance);
    }
    String pushName = Payloads.optionalString(data, "pushName", path + ".pushName");
    if (pushName != null) {
      metadata.put("pushName", pushName);
    }
    if (group) {
      String participant = Payloads.optionalString(key, "participant", path + ".key.participant");
      if (participant != null) {
        metadata.put("participant", participant);
      }
    }

    String text = Payloads.optionalString(content, "conversation", path + ".message.conversation");
    if (text == null && content.getValue("extendedTextMessage") != null) {
      JsonObject extended = Payloads.object(content, "extendedTextMessage", path + ".message.extendedTextMessage", true);
      text = Payloads.optionalString(extended, "text", path + ".message.extendedTextMessage.text");
    }
    String type = "text";
    if (text == null) {
      text = "";
      type = messageType != null && !messageType.isBlank() ? messageType
        : content.fieldNames().stream().findFirst().orElse("unknown");
      metadata.put("message", content.copy());
    }
    return new WebhookMessage(contactId, new InboundMessage(text, id, type, timestamp, metadata));
  }
}
