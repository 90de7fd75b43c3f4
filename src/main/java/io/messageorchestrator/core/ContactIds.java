package io.messageorchestrator.core;

/** Contact ids: validation, phone-number normalisation and shard placement. */
public final class ContactIds {
  public static final int MAX_LENGTH = 128;

  private ContactIds() {
  }

  /** Returns the id if it is a non-empty string of at most 128 characters without control characters. */
  public static String require(Object value, String field) {
    if (!(value instanceof String id)) {
      throw new InvalidRequestException(field, value == null ? field + " is required" : field + " must be a string");
    }
    if (id.isEmpty()) {
      throw new InvalidRequestException(field, field + " must not be empty");
    }
    if (id.length() > MAX_LENGTH) {
      throw new InvalidRequestException(field, field + " must be at most " + MAX_LENGTH + " characters");
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.isISOControl(id.charAt(i))) {
        throw new InvalidRequestException(field, field + " must not contain control characters");
      }
    }
    return id;
  }

  /**
   * The id as logs may show it: every character but the last four replaced by {@code *}
   * ({@code 5511999990000} → {@code *********0000}); ids of four characters or fewer are masked entirely. Logs are
   * read by more people than the data they describe, and a full phone number is personal data.
   */
  public static String mask(String id) {
    if (id == null) {
      return null;
    }
    int shown = id.length() > 4 ? 4 : 0;
    return "*".repeat(id.length() - shown) + id.substring(id.length() - shown);
  }

  /** The {@code contactId} of an admin request, or {@code null} when absent or not a string. */
  public static String optional(io.vertx.core.json.JsonObject request) {
    return request != null && request.getValue("contactId") instanceof String id ? id : null;
  }

  /**
   * Phone-like ids keep only their digits ({@code +55 (11) 99999-0000} → {@code 5511999990000}), as the original
   * recommended; anything with letters (a jid, a UUID) is kept as it is.
   */
  public static String normalize(String id) {
    boolean hasDigit = false;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c >= '0' && c <= '9') {
        hasDigit = true;
      } else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
        return id;
      }
    }
    if (!hasDigit) {
      return id;
    }
    StringBuilder digits = new StringBuilder(id.length());
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c >= '0' && c <= '9') {
        digits.append(c);
      }
    }
    return digits.toString();
  }

  /** The shard owning a contact: {@code floorMod(hash, shards)}; String.hashCode is the same on every JVM. */
  public static int shardOf(String contactId, int shards) {
    return Math.floorMod(contactId.hashCode(), shards);
  }
}
