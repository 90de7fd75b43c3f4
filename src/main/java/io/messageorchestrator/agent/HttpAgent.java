package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.util.Set;

/**
 * Calls a remote agent over HTTP: POST {@code {contactId, processId, message}} as JSON to {@code processor.url}.
 * A 2xx JSON answer with a non-empty {@code response} string is the reply ({@code handoff: true} in it asks for a
 * human); anything else is a processing error.
 * The call's timeout is the time left before the attempt's deadline. An agent that cannot be reached (connection
 * refused, reset or closed, unknown host) or answers 429, 502, 503 or 504 is <em>unavailable</em>
 * ({@link AgentUnavailableException}: such failures in a row open the agent circuit).
 */
public final class HttpAgent implements AgentProcessor {
  /** Answers that say the agent (or the proxy in front of it) cannot serve now, rather than "this message failed". */
  private static final Set<Integer> UNAVAILABLE_STATUSES = Set.of(429, 502, 503, 504);

  private final WebClient client;
  private final String url;

  public HttpAgent(Vertx vertx, String url) {
    this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("message-orchestrator")
      .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
    this.url = url;
  }

  /**
   * POSTs {@code {contactId, processId, attempt, message, heldMessages?, messages?, history?}} (held: V3,
   * {@code onResume=last}; messages: V1/V2, a coalesced call's fragments in order; history: V4, left out when empty).
   */
  @Override
  public AgentReply process(InboundMessage message, ProcessingContext context) throws Exception {
    JsonObject request = AgentRequests.of(message, context);
    HttpResponse<Buffer> response;
    try {
      response = Blocking.await(client.postAbs(url)
        .timeout(Math.max(1, context.remaining().toMillis()))
        .sendJsonObject(request), context.remaining());
    } catch (IOException | HttpClosedException unreachable) {
      // Refused, reset, closed before answering, unknown host: the agent is not there. (A timeout is not: the
      // agent may be working on it.)
      throw new AgentUnavailableException("agent unreachable: " + unreachable, unreachable);
    }
    if (UNAVAILABLE_STATUSES.contains(response.statusCode())) {
      throw new AgentUnavailableException("agent answered HTTP " + response.statusCode());
    }
    if (response.statusCode() / 100 != 2) {
      throw new AgentCallException("agent answered HTTP " + response.statusCode());
    }
    JsonObject body;
    try {
      body = response.bodyAsJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new AgentCallException("agent answered a body that is not a JSON object");
    }
    AgentReply reply = AgentReply.fromJson(body);
    if (reply == null) {
      throw new AgentCallException("agent answer has no 'response' string");
    }
    return reply;
  }

  @Override
  public void close() {
    client.close();
  }
}
