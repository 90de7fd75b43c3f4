package io.messageorchestrator.webhook;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Twilio messaging webhooks (form-encoded). An inbound message becomes a {@link WebhookMessage}; a status callback
 * (it has {@code MessageStatus}) becomes a status object like Meta's, so it is never mistaken for a message.
 */
public final class TwilioWebhook {
  public static final String CHANNEL = "twilio";

  private static final String WHATSAPP_PREFIX = "whatsapp:";
  private static final int MAX_MEDIA = 10;

  /** Exactly one of {@code message} and {@code status} is set. */
  public record Result(WebhookMessage message, JsonObject status) {
  }

  private TwilioWebhook() {
  }

  /**
   * Decodes {@code application/x-www-form-urlencoded} bytes strictly: a bad percent escape or invalid UTF-8 is a
   * 400. Names keep their first-seen order; repeated names keep every value.
   */
  public static Map<String, List<String>> parseForm(Buffer raw) {
    String body = Payloads.utf8(raw);
    Map<String, List<String>> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      form.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return form;
  }

  public static Result parse(Map<String, List<String>> form) {
    String sid = required(form, "MessageSid");
    String messageStatus = first(form, "MessageStatus");
    if (messageStatus != null) {
      JsonObject status = new JsonObject().put("channel", CHANNEL).put("id", sid).put("status", messageStatus);
      String to = first(form, "To");
      if (to != null) {
        status.put("recipient_id", Payloads.contactId(stripPrefix(to), "To"));
      }
      String errorCode = first(form, "ErrorCode");
      if (errorCode != null) {
        status.put("errors", new JsonArray().add(new JsonObject().put("code", errorCode)
          .put("message", first(form, "ErrorMessage"))));
      }
      return new Result(null, status);
    }
    String contactId = Payloads.contactId(stripPrefix(required(form, "From")), "From");
    String body = first(form, "Body");
    String type = first(form, "MessageType");
    JsonObject metadata = new JsonObject().put("channel", CHANNEL);
    putIfPresent(metadata, "to", first(form, "To"));
    putIfPresent(metadata, "profile_name", first(form, "ProfileName"));
    JsonArray media = media(form);
    if (!media.isEmpty()) {
      metadata.put("media", media);
    }
    InboundMessage message = new InboundMessage(body == null ? "" : body, sid,
      type != null ? type : media.isEmpty() ? "text" : "media", System.currentTimeMillis(), metadata);
    return new Result(new WebhookMessage(contactId, message), null);
  }

  private static JsonArray media(Map<String, List<String>> form) {
    JsonArray media = new JsonArray();
    String count = first(form, "NumMedia");
    int n = count != null && count.matches("\\d{1,2}") ? Math.min(Integer.parseInt(count), MAX_MEDIA) : 0;
    for (int i = 0; i < n; i++) {
      String url = first(form, "MediaUrl" + i);
      if (url != null) {
        media.add(new JsonObject().put("url", url).put("contentType", first(form, "MediaContentType" + i)));
      }
    }
    return media;
  }

  private static String stripPrefix(String address) {
    return address.regionMatches(true, 0, WHATSAPP_PREFIX, 0, WHATSAPP_PREFIX.length())
      ? address.substring(WHATSAPP_PREFIX.length()) : address;
  }

  private static String required(Map<String, List<String>> form, String name) {
    String value = first(form, name);
    if (value == null || value.isEmpty()) {
      throw WebhookException.invalidField(name, name + " is required");
    }
    return value;
  }

  private static String first(Map<String, List<String>> form, String name) {
    List<String> values = form.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static void putIfPresent(JsonObject target, String key, String value) {
    if (value != null && !value.isEmpty()) {
      target.put(key, value);
    }
  }

  /** Percent-decoding to bytes ({@code +} is a space), then strict UTF-8. */
  private static String decode(String component) {
    byte[] encoded = component.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length);
    for (int i = 0; i < encoded.length; i++) {
      byte b = encoded[i];
      if (b == '+') {
        bytes.write(' ');
      } else if (b == '%') {
        int high = i + 2 < encoded.length ? hex(encoded[i + 1]) : -1;
        int low = high < 0 ? -1 : hex(encoded[i + 2]);
        if (low < 0) {
          throw new WebhookException(400, "invalid_form", "body has a malformed percent escape", null);
        }
        bytes.write((high << 4) | low);
        i += 2;
      } else {
        bytes.write(b);
      }
    }
    return Payloads.utf8(bytes.toByteArray(), "form field");
  }

  private static int hex(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    return b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
  }
}
