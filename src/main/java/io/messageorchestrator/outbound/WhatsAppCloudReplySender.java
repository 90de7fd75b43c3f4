package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * WhatsApp Cloud API: {@code POST {url}/{apiVersion}/{phoneNumberId}/messages} with {@code Authorization: Bearer}
 * and a text message to {@code contactId}. The sender number is {@code outbound.phoneNumberId}, or else the
 * processed message's {@code metadata.phone_number_id}, so a reply leaves from the number the message came to.
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
  public Future<Void> send(OutboundReply reply) {
    String phoneNumberId = settings.phoneNumberId() != null ? settings.phoneNumberId()
      : reply.metadataString(PHONE_NUMBER_ID);
    if (phoneNumberId == null) {
      return Future.failedFuture(DeliveryException.permanent(
        "no sender: outbound.phoneNumberId is unset and the message has no metadata." + PHONE_NUMBER_ID));
    }
    String url = settings.url() + "/" + HttpReplies.segment(settings.apiVersion()) + "/"
      + HttpReplies.segment(phoneNumberId) + "/messages";
    return HttpReplies.post(client.postAbs(url).bearerTokenAuthentication(settings.token()), settings.timeout(),
      body(reply));
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
