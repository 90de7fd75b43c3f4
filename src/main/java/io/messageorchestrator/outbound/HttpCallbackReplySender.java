package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * Generic webhook: {@code POST {contactId, account, processId, inReplyTo, response}} as JSON to {@code outbound.url},
 * for a channel gateway that does the actual sending ({@code account}: the business number the conversation is
 * with). {@code outbound.token}, when set, goes as a bearer token. A reply of an account listed in
 * {@code outbound.accounts} goes with that account's token, to its url if it has one.
 */
public final class HttpCallbackReplySender implements ReplySender {
  private final WebClient client;
  private final OutboundSettings settings;

  public HttpCallbackReplySender(Vertx vertx, OutboundSettings settings) {
    this.client = HttpReplies.client(vertx);
    this.settings = settings;
  }

  @Override
  public Future<String> send(OutboundReply reply) {
    OutboundSettings.Account account = settings.accounts().get(reply.account());
    String token = account != null ? account.token() : settings.token();
    var request = client.postAbs(HttpReplies.baseUrl(settings, account));
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return HttpReplies.post(request, settings.timeout(), body(reply)).map((String) null);
  }

  static JsonObject body(OutboundReply reply) {
    return new JsonObject().put("contactId", reply.contactId()).put("account", reply.account())
      .put("processId", reply.processId())
      .put("inReplyTo", reply.messageId()).put("response", reply.response());
  }

  @Override
  public void close() {
    client.close();
  }
}
