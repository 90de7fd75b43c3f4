package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * Calls a remote agent over HTTP: POST {@code {contactId, processId, message}} as JSON to {@code processor.url}.
 * A 2xx JSON answer with a non-empty {@code response} string is the reply; anything else is a processing error.
 * The call's timeout is the time left before the attempt's deadline.
 */
public final class HttpAgent implements AgentProcessor {
  private final WebClient client;
  private final String url;

  public HttpAgent(Vertx vertx, String url) {
    this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("message-orchestrator")
      .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
    this.url = url;
  }

  @Override
  public AgentReply process(InboundMessage message, ProcessingContext context) throws Exception {
    JsonObject request = new JsonObject().put("contactId", context.contactId()).put("processId", context.processId())
      .put("attempt", context.attempt())
      .put("message", message.toJson());
    HttpResponse<Buffer> response = Blocking.await(client.postAbs(url)
      .timeout(Math.max(1, context.remaining().toMillis()))
      .sendJsonObject(request), context.remaining());
    if (response.statusCode() / 100 != 2) {
      throw new AgentCallException("agent answered HTTP " + response.statusCode());
    }
    JsonObject body;
    try {
      body = response.bodyAsJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new AgentCallException("agent answered a body that is not a JSON object");
    }
    if (body == null || !(body.getValue("response") instanceof String text)) {
      throw new AgentCallException("agent answer has no 'response' string");
    }
    return new AgentReply(text, body.getValue("metadata") instanceof JsonObject metadata ? metadata : null);
  }

  @Override
  public void close() {
    client.close();
  }
}
