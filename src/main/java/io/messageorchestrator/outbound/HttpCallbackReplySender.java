package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * Generic webhook: {@code POST {contactId, processId, inReplyTo, response}} as JSON to {@code outbound.url}, for a
 * channel gateway that does the actual sending. {@code outbound.token}, when set, goes as a bearer token.
 */
public final class HttpCallbackReplySender implements ReplySender {
  private final WebClient client;
  private final OutboundSettings settings;

  public HttpCallbackReplySender(Vertx vertx, OutboundSettings settings) {
    this.client = HttpReplies.client(vertx);
    this.settings = settings;
  }

  @Override
  public Future<Void> send(OutboundReply reply) {
    var request = client.postAbs(settings.url());
    if (settings.token() != null) {
      request.bearerTokenAuthentication(settings.token());
    }
    return HttpReplies.post(request, settings.timeout(), body(reply));
  }

  static JsonObject body(OutboundReply reply) {
    return new JsonObject().put("contactId", reply.contactId()).put("processId", reply.processId())
      .put("inReplyTo", reply.messageId()).put("response", reply.response());
  }

  @Override
  public void close() {
    client.close();
  }
}
