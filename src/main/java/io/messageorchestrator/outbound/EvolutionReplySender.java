package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * Evolution API v2: {@code POST {url}/message/sendText/{instance}} with header {@code apikey} and
 * {@code {number, text}}. A reply of an account listed in {@code outbound.accounts} leaves through that instance
 * with that account's key (and url, if it has one: instances may live on several Evolution servers). Any other
 * reply uses the single-number settings: {@code outbound.token}, and the instance {@code outbound.instance}, or else
 * the processed message's {@code metadata.instance}, so a reply leaves from the instance the message came to.
 */
public final class EvolutionReplySender implements ReplySender {
  /** The metadata key carrying the Evolution instance the message came through. */
  public static final String INSTANCE = "instance";
  static final String API_KEY_HEADER = "apikey";

  private final WebClient client;
  private final OutboundSettings settings;

  public EvolutionReplySender(Vertx vertx, OutboundSettings settings) {
    this.client = HttpReplies.client(vertx);
    this.settings = settings;
  }

  @Override
  public Future<String> send(OutboundReply reply) {
    OutboundSettings.Account account = settings.accounts().get(reply.account());
    if (account == null && settings.token() == null) {
      return Future.failedFuture(HttpReplies.noCredentials(reply));
    }
    String instance = account != null ? reply.account()
      : settings.instance() != null ? settings.instance() : reply.metadataString(INSTANCE);
    if (instance == null) {
      return Future.failedFuture(DeliveryException.permanent(
        "no sender: outbound.instance is unset and the message has no metadata." + INSTANCE));
    }
    String url = HttpReplies.baseUrl(settings, account) + "/message/sendText/" + HttpReplies.segment(instance);
    String apiKey = account != null ? account.token() : settings.token();
    return HttpReplies.post(client.postAbs(url).putHeader(API_KEY_HEADER, apiKey), settings.timeout(), body(reply))
      .map(EvolutionReplySender::providerId);
  }

  /** The sent message's id, {@code key.id} of Evolution's answer; {@code null} when it names none. */
  static String providerId(JsonObject answer) {
    return answer != null && answer.getValue("key") instanceof JsonObject key && key.getValue("id") instanceof String id
      ? id : null;
  }

  /** {@code number} is the contact id: digits, or a jid ({@code ...@s.whatsapp.net}, {@code ...@g.us}). */
  static JsonObject body(OutboundReply reply) {
    return new JsonObject().put("number", reply.contactId()).put("text", reply.response()).put("linkPreview", false);
  }

  @Override
  public void close() {
    client.close();
  }
}
