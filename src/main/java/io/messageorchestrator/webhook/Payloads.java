package io.messageorchestrator.webhook;

import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InvalidRequestException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Strict decoding of webhook bodies and typed field reads whose errors name the field's path. */
public final class Payloads {
  private Payloads() {
  }

  /** The body as UTF-8; a malformed byte sequence is a 400 rather than a silent U+FFFD. */
  static String utf8(Buffer raw) {
    return utf8(raw == null ? new byte[0] : raw.getBytes(), "body");
  }

  static String utf8(byte[] bytes, String what) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return decoder.decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new WebhookException(400, "invalid_encoding", what + " is not valid UTF-8", null);
    }
  }

  /** The body as a JSON object: 400 {@code invalid_encoding} or {@code invalid_json} otherwise. */
  public static JsonObject jsonObject(Buffer raw) {
    String text = utf8(raw);
    Object value;
    try {
      value = text.isBlank() ? null : Json.decodeValue(text);
    } catch (DecodeException | IllegalArgumentException | IllegalStateException e) {
      throw new WebhookException(400, "invalid_json", "body is not valid JSON", null);
    }
    if (!(value instanceof JsonObject object)) {
      throw new WebhookException(400, "invalid_json", "body must be a JSON object", null);
    }
    if (!wellFormed(object)) {
      throw new WebhookException(400, "invalid_encoding",
        "body contains an unpaired surrogate escape (such as \"\\ud800\"): not Unicode text", null);
    }
    return object;
  }

  /**
   * Whether every string and key in {@code value} is well-formed UTF-16: JSON's {@code \\uXXXX} escapes can spell a
   * lone surrogate, which valid UTF-8 bytes cannot, and which no reply channel could encode.
   */
  private static boolean wellFormed(Object value) {
    if (value instanceof String text) {
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          return false;
        }
      }
      return true;
    }
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> field : object) {
        if (!wellFormed(field.getKey()) || !wellFormed(field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (value instanceof JsonArray array) {
      for (Object element : array) {
        if (!wellFormed(element)) {
          return false;
        }
      }
    }
    return true;
  }

  static JsonObject object(JsonObject parent, String key, String path, boolean required) {
    Object value = parent.getValue(key);
    if (value == null && !required) {
      return null;
    }
    if (!(value instanceof JsonObject object)) {
      throw WebhookException.invalidField(path, path + (value == null ? " is required" : " must be an object"));
    }
    return object;
  }

  /** The array at {@code key}; a missing one reads as empty unless required. */
  static JsonArray array(JsonObject parent, String key, String path, boolean required) {
    Object value = parent.getValue(key);
    if (value == null && !required) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray array)) {
      throw WebhookException.invalidField(path, path + (value == null ? " is required" : " must be an array"));
    }
    return array;
  }

  static JsonObject element(JsonArray array, int index, String path) {
    Object value = array.getValue(index);
    if (!(value instanceof JsonObject object)) {
      throw WebhookException.invalidField(path, path + " must be an object");
    }
    return object;
  }

  static String string(JsonObject parent, String key, String path) {
    String value = optionalString(parent, key, path);
    if (value == null) {
      throw WebhookException.invalidField(path, path + " is required");
    }
    return value;
  }

  static String optionalString(JsonObject parent, String key, String path) {
    Object value = parent.getValue(key);
    if (value != null && !(value instanceof String)) {
      throw WebhookException.invalidField(path, path + " must be a string");
    }
    return (String) value;
  }

  static boolean optionalBoolean(JsonObject parent, String key, String path) {
    Object value = parent.getValue(key);
    if (value != null && !(value instanceof Boolean)) {
      throw WebhookException.invalidField(path, path + " must be true or false");
    }
    return Boolean.TRUE.equals(value);
  }

  /**
   * Epoch seconds (a number, a string of digits, or protobuf's {@code {low, high}} Long) as epoch milliseconds;
   * missing means now.
   */
  static long epochSecondsToMillis(Object value, String path) {
    if (value == null) {
      return System.currentTimeMillis();
    }
    long seconds;
    if (value instanceof Number number && number.doubleValue() >= 0 && number.doubleValue() < 1e13) {
      seconds = number.longValue();
    } else if (value instanceof String text && !text.isEmpty() && text.length() <= 13 && text.chars().allMatch(Character::isDigit)) {
      seconds = Long.parseLong(text);
    } else if (value instanceof JsonObject protobufLong && protobufLong.getValue("low") instanceof Number low
      && protobufLong.getValue("high") instanceof Number high && high.longValue() >= 0 && high.longValue() < 1 << 12) {
      seconds = (high.longValue() << 32) | (low.longValue() & 0xFFFF_FFFFL);
    } else {
      throw WebhookException.invalidField(path, path + " must be epoch seconds");
    }
    return seconds * 1000;
  }

  /** A provider's contact id, validated by {@link ContactIds#require} and normalised like the generic webhook. */
  static String contactId(Object value, String path) {
    try {
      return ContactIds.require(ContactIds.normalize(ContactIds.require(value, path)), path);
    } catch (InvalidRequestException e) {
      throw WebhookException.invalidField(e.field(), e.getMessage());
    }
  }
}
