package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

/**
 * The account of a conversation: the business number or instance a message came to. A conversation's key is
 * (account, contact): the same person writing to two of the business's numbers has two conversations.
 */
public final class Accounts {
  /** The account of messages that name none ({@code /webhook}, the event bus). */
  public static final String DEFAULT = "default";
  private static final int MAX_LENGTH = 128;

  private Accounts() {
  }

  /**
   * The account a provider message names in its metadata: Cloud API {@code phone_number_id}, Evolution
   * {@code instance}, Twilio {@code to}; else {@link #DEFAULT}.
   */
  public static String of(InboundMessage message) {
    JsonObject metadata = message == null ? null : message.metadata();
    if (metadata != null) {
      for (String field : new String[] {"phone_number_id", "instance", "to"}) {
        if (metadata.getValue(field) instanceof String value && !value.isBlank()) {
          return value.length() <= MAX_LENGTH ? value : value.substring(0, MAX_LENGTH);
        }
      }
    }
    return DEFAULT;
  }

  /** A given account ({@code null} or blank: {@link #DEFAULT}); throws for a non-string or an over-long one. */
  public static String require(Object value) {
    if (value == null || value instanceof String text && text.isBlank()) {
      return DEFAULT;
    }
    if (!(value instanceof String text) || text.length() > MAX_LENGTH) {
      throw new InvalidRequestException("account", "account must be a string of at most " + MAX_LENGTH
        + " characters");
    }
    return text;
  }

  /**
   * The key lanes and shards use for a conversation: the contact id alone for the default account (as before
   * accounts existed), else account and contact joined by a character ids never contain.
   */
  public static String conversationKey(String account, String contactId) {
    return DEFAULT.equals(account) ? contactId : account + '\u0001' + contactId;
  }
}
