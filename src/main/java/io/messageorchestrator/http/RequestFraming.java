package io.messageorchestrator.http;

import io.messageorchestrator.core.RateLimitedLog;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Guards the HTTP/1.1 message framing in front of the router (RFC 9112 §6): a request whose body length is ambiguous
 * is answered and its connection closed, so bytes after its body can never run as a second, smuggled request.
 *
 * <ul>
 *   <li>{@code Content-Length} together with {@code Transfer-Encoding} (any spelling, folded or not): 400.</li>
 *   <li>{@code Transfer-Encoding} other than exactly {@code chunked}: 400 when it lists {@code chunked} with other
 *   codings (e.g. {@code chunked, identity}), 501 for codings this server does not implement (e.g. {@code gzip},
 *   {@code xchunked}).</li>
 *   <li>A body Netty cannot decode (e.g. chunk size {@code ffffffffffffffff1}): 400, one rate-limited WARN line
 *   instead of Vert.x's ERROR and stack trace per request.</li>
 * </ul>
 * Every later request already read from a refused connection is dropped unanswered. One instance per HTTP verticle:
 * its state is confined to the verticle's event loop.
 */
final class RequestFraming {
  private static final Logger LOG = LoggerFactory.getLogger(RequestFraming.class);
  static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
  /** Logged when {@link StrictRequestDecoder} could not be installed (Vert.x internals changed); a test checks it. */
  static final String STRICT_DECODER_MISSING = "kept Netty's HTTP decoder";

  private final RateLimitedLog malformed = new RateLimitedLog(LOG, LOG_INTERVAL);
  private final RateLimitedLog connectionErrors = new RateLimitedLog(LOG, LOG_INTERVAL);
  /** Connections answered with a framing error and being closed: nothing more is routed from them. */
  private final Set<HttpConnection> refused = new HashSet<>();
  /** Each open connection's latest request: the one a body-decoding failure belongs to. */
  private final Map<HttpConnection, HttpServerRequest> latestRequest = new HashMap<>();

  /**
   * The server's invalid-request handler (a request head Netty could not decode): Vert.x's answer, unless the
   * connection was refused already (then the bytes are what followed a refused request, and get no answer).
   */
  void onInvalidRequest(HttpServerRequest request) {
    if (refused.contains(request.connection())) {
      request.connection().close();
    } else {
      refused.add(request.connection());
      HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(request);
    }
  }

  /** The server's request handler: checks the framing, then hands the request to {@code next}. */
  Handler<HttpServerRequest> guard(Handler<HttpServerRequest> next) {
    return request -> {
      if (refused.contains(request.connection())) {
        return; // pipelined behind a refused request: never run
      }
      latestRequest.put(request.connection(), request);
      String transferEncoding = transferEncodingProblem(request);
      if (transferEncoding != null) {
        int status = transferEncoding.startsWith("unsupported") ? 501 : 400;
        malformed.warn("Refused a request from {} with {} ({}); connection closed", request.remoteAddress(),
          transferEncoding, status);
        refuse(request, status, status == 501 ? "not_implemented" : "bad_request", transferEncoding);
        return;
      }
      next.handle(request);
    };
  }

  /**
   * The server's connection handler: installs the {@link StrictRequestDecoder}, and takes the decoding failures (and
   * resets) Vert.x reports to the connection, where without a handler it logs each one at ERROR.
   */
  void watch(HttpConnection connection, HttpServerOptions options) {
    if (!StrictRequestDecoder.install(connection, options)) {
      connectionErrors.warn("HTTP connection from {} " + STRICT_DECODER_MISSING + " (Vert.x internals changed?): "
        + "requests with Content-Length and Transfer-Encoding: chunked are NOT refused", connection.remoteAddress());
    }
    connection.exceptionHandler(failure -> {
      if (isDecodingFailure(failure)) {
        malformed.warn("Malformed HTTP request from {}: {}; answered 400 and closed the connection",
          connection.remoteAddress(), failure.getMessage());
        HttpServerRequest request = latestRequest.get(connection);
        if (request != null) {
          // Runs before Vert.x closes the connection: the answer still goes out.
          refuse(request, 400, "bad_request", "malformed request body");
        }
      } else if (failure instanceof IOException) {
        LOG.debug("HTTP connection from {} failed: {}", connection.remoteAddress(), failure.getMessage());
      } else {
        connectionErrors.warn("HTTP connection from {} failed: {}", connection.remoteAddress(), failure.toString());
      }
    });
    connection.closeHandler(closed -> {
      refused.remove(connection);
      latestRequest.remove(connection);
    });
  }

  /**
   * The router's first failure handler: a body that failed to decode gets 400 and its connection is closed (it was
   * logged by {@link #watch}); anything else goes on to the other failure handlers.
   */
  void onRouteFailure(RoutingContext ctx) {
    if (ctx.failure() != null && isDecodingFailure(ctx.failure())) {
      refuse(ctx.request(), 400, "bad_request", "malformed request body");
    } else {
      ctx.next();
    }
  }

  /** {@code null} when the request's framing is unambiguous, else what is wrong with it. */
  static String transferEncodingProblem(HttpServerRequest request) {
    List<String> lines = request.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
    if (lines.isEmpty()) {
      return null;
    }
    if (request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      return "both Content-Length and Transfer-Encoding";
    }
    List<String> codings = new ArrayList<>();
    for (String line : lines) {
      for (String coding : line.split(",")) {
        if (!coding.isBlank()) {
          codings.add(coding.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    if (codings.equals(List.of("chunked"))) {
      return null;
    }
    return codings.contains("chunked") ? "Transfer-Encoding other than 'chunked' alone"
      : "unsupported Transfer-Encoding";
  }

  /**
   * A failure raised by Netty's HTTP decoder itself: its innermost application frame is in Netty's codec (a failure
   * of one of our handlers has Netty's decoder far below it on the stack, never on top).
   */
  static boolean isDecodingFailure(Throwable failure) {
    if (failure instanceof DecoderException) {
      return true;
    }
    for (StackTraceElement frame : failure.getStackTrace()) {
      if (!frame.getClassName().startsWith("java.")) {
        return frame.getClassName().startsWith("io.netty.handler.codec.");
      }
    }
    return false;
  }

  private void refuse(HttpServerRequest request, int status, String code, String message) {
    HttpConnection connection = request.connection();
    refused.add(connection);
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed() || response.headWritten()) {
      connection.close();
      return;
    }
    response.setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.CONNECTION, "close")
      .end(new JsonObject().put("error", code).put("message", message).toBuffer())
      .onComplete(written -> connection.close());
  }
}
