package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** What the HTTP senders share: the client, the attempt, and the mapping of a provider's answer to an outcome. */
final class HttpReplies {
  /** Connections per provider; also the number of deliveries {@link OutboundVerticle} keeps in flight. */
  static final int MAX_CONNECTIONS = 64;
  private static final int MAX_ERROR_BODY = 300;

  private HttpReplies() {
  }

  static WebClient client(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setUserAgent("message-orchestrator").setKeepAlive(true)
      .setFollowRedirects(false), new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
  }

  /**
   * POSTs {@code body}; 2xx succeeds with the answer's JSON object ({@code null} when the body is not one), anything
   * else fails as classified. {@code timeout} bounds connecting and, once connected, the wait for the answer (Vert.x
   * starts the request timeout only when a connection is held).
   */
  static Future<JsonObject> post(HttpRequest<Buffer> request, long timeout, JsonObject body) {
    return request.connectTimeout(timeout).timeout(timeout).sendJsonObject(body).compose(HttpReplies::outcome);
  }

  /** 2xx: delivered. 408, 429, 5xx: retryable. Anything else: the provider will never accept this request. */
  static Future<JsonObject> outcome(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status / 100 == 2) {
      return Future.succeededFuture(answer(response));
    }
    boolean retryable = status == 408 || status == 429 || status >= 500;
    return Future.failedFuture(new DeliveryException("provider answered HTTP " + status + errorBody(response),
      retryable, status, retryAfterMs(response.getHeader("Retry-After"))));
  }

  /** The account's own base URL, or {@code outbound.url} ({@code account} may be {@code null}: not listed). */
  static String baseUrl(OutboundSettings settings, OutboundSettings.Account account) {
    return account != null && account.url() != null ? account.url() : settings.url();
  }

  /**
   * A reply whose account is not in {@code outbound.accounts} while the single-number token that would serve it
   * instead is unset: no attempt can deliver it. Names the account, never a credential.
   */
  static DeliveryException noCredentials(OutboundReply reply) {
    return DeliveryException.permanent("no credentials for account '" + reply.account()
      + "': it is not in outbound.accounts and outbound.token is unset");
  }

  /** A path segment, percent-encoded (instance names may hold spaces). */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The answer's JSON object, or {@code null} (no body, or not an object: the reply was still accepted). */
  private static JsonObject answer(HttpResponse<Buffer> response) {
    Buffer body = response.body();
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      return body.toJsonValue() instanceof JsonObject object ? object : null;
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  /** {@code Retry-After} in delta-seconds form, in ms; -1 when absent or an HTTP date. */
  static long retryAfterMs(String header) {
    if (header == null) {
      return -1;
    }
    try {
      long seconds = Long.parseLong(header.trim());
      return seconds < 0 ? -1 : Math.min(seconds, 86_400) * 1_000;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String errorBody(HttpResponse<Buffer> response) {
    Buffer body = response.body();
    if (body == null || body.length() == 0) {
      return "";
    }
    String text = body.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
    return ": " + (text.length() > MAX_ERROR_BODY ? text.substring(0, MAX_ERROR_BODY) + "…" : text);
  }
}
