package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * WhatsApp Cloud API: {@code POST {url}/{apiVersion}/{phoneNumberId}/messages} with {@code Authorization: Bearer}
 * and a text message to {@code contactId}. A reply of an account listed in {@code outbound.accounts} leaves from
 * that phone number id with that account's token (and url, if it has one). Any other reply uses the single-number
 * settings: {@code outbound.token}, and the sender {@code outbound.phoneNumberId}, or else the processed message's
 * {@code metadata.phone_number_id}, so a reply leaves from the number the message came to.
 */
public final class WhatsAppCloudReplySender implements ReplySender {
  /** The metadata key carrying the business number the message was sent to. */
  public static final String PHONE_NUMBER_ID = "phone_number_id";

  private final WebClient client;
  private final OutboundSettings settings;

  public WhatsAppCloudReplySender(Vertx vertx, OutboundSettings settings) {
    this.client = HttpReplies.client(vertx);
    this.settings = settings;
  }

  @Override
  public Future<String> send(OutboundReply reply) {
    OutboundSettings.Account account = settings.accounts().get(reply.account());
    if (account == null && settings.token() == null) {
      return Future.failedFuture(HttpReplies.noCredentials(reply));
    }
    String phoneNumberId = account != null ? reply.account()
      : settings.phoneNumberId() != null ? settings.phoneNumberId() : reply.metadataString(PHONE_NUMBER_ID);
    if (phoneNumberId == null) {
      return Future.failedFuture(DeliveryException.permanent(
        "no sender: outbound.phoneNumberId is unset and the message has no metadata." + PHONE_NUMBER_ID));
    }
    String url = HttpReplies.baseUrl(settings, account) + "/" + HttpReplies.segment(settings.apiVersion()) + "/"
      + HttpReplies.segment(phoneNumberId) + "/messages";
    String token = account != null ? account.token() : settings.token();
    return HttpReplies.post(client.postAbs(url).bearerTokenAuthentication(token), settings.timeout(), body(reply))
      .map(WhatsAppCloudReplySender::providerId);
  }

  /** The sent message's id (wamid), {@code messages[0].id} of the Cloud API's answer; {@code null} when none. */
  static String providerId(JsonObject answer) {
    return answer != null && answer.getValue("messages") instanceof io.vertx.core.json.JsonArray messages
      && !messages.isEmpty() && messages.getValue(0) instanceof JsonObject first
      && first.getValue("id") instanceof String id ? id : null;
  }

  /** The Cloud API's text message, as in its reference ({@code preview_url} off: replies are plain text). */
  static JsonObject body(OutboundReply reply) {
    return new JsonObject()
      .put("messaging_product", "whatsapp")
      .put("recipient_type", "individual")
      .put("to", reply.contactId())
      .put("type", "text")
      .put("text", new JsonObject().put("preview_url", false).put("body", reply.response()));
  }

  @Override
  public void close() {
    client.close();
  }
}
