package io.messageorchestrator.http;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.core.RateLimitedLog;
import io.messageorchestrator.orchestrator.Lifecycle;
import io.messageorchestrator.orchestrator.OrchestratorClient;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.webhook.Payloads;
import io.messageorchestrator.webhook.WebhookException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import static io.messageorchestrator.http.Responses.error;
import static io.messageorchestrator.http.Responses.json;

/**
 * The HTTP edge: turns webhook requests into orchestrator messages on the event bus and answers with the result
 * object. Client mistakes get a 4xx with {@code {"error": code, "message": ...}}; nothing a client sends yields a 5xx.
 */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  static final String SECRET_HEADER = "X-Webhook-Secret";
  /** Refusals (429/503) are logged at WARN, at most one line per interval per HTTP instance: a flood costs one line. */
  static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);
  /** At stop, how long requests in flight may take to finish: their answers are already decided by the drain. */
  static final long SHUTDOWN_GRACE_MS = 5_000;

  private final OrchestratorConfig config;
  private final OrchestratorClient client;
  private final Lifecycle lifecycle;
  private final MeterRegistry registry;
  private final IntConsumer onListening;
  private final List<String> streamedEvents;
  /** Requests whose body is still arriving, oldest first, with their start ({@code nanoTime}); this context only. */
  private final LinkedHashMap<RoutingContext, Long> bodiesInFlight = new LinkedHashMap<>();
  private final RateLimitedLog refusals = new RateLimitedLog(LOG, REFUSAL_LOG_INTERVAL);
  private final RequestFraming framing = new RequestFraming();
  private HttpServer server;

  public HttpVerticle(OrchestratorConfig config, OrchestratorClient client, Lifecycle lifecycle,
                      MeterRegistry registry, List<String> streamedEvents, IntConsumer onListening) {
    this.config = config;
    this.client = client;
    this.lifecycle = lifecycle;
    this.registry = registry;
    this.onListening = onListening;
    this.streamedEvents = streamedEvents;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(this::limitBodyTime).failureHandler(framing::onRouteFailure);
    vertx.setPeriodic(Math.max(10, Math.min(config.http().requestBodyTimeout() / 4, 1_000)), id -> closeSlowBodies());
    // The busiest route first: the router tries routes in order.
    router.post("/webhook").handler(MediaTypes.require(MediaTypes.JSON));
    router.post("/webhook")
      .handler(BodyHandler.create(false).setBodyLimit(config.http().maxBodySize()))
      .handler(this::checkSharedSecret)
      .handler(this::onWebhook);
    HealthCheckHandler liveness = HealthCheckHandler.create(vertx)
      .register("process", promise -> promise.complete(Status.OK()));
    HealthCheckHandler readiness = HealthCheckHandler.create(vertx)
      .register("orchestrator", promise -> promise.complete(lifecycle.isReady() ? Status.OK()
        : Status.KO(new JsonObject().put("draining", lifecycle.isDraining())
          .put("unresponsiveShards", lifecycle.unresponsiveShards()))));
    readiness.register("journal", promise -> lifecycle.journalHealth()
      .onSuccess(details -> promise.tryComplete(Status.OK(details)))
      .onFailure(failure -> promise.tryComplete(Status.KO(new JsonObject().put("error", failure.getMessage())))));
    if (lifecycle.clusterCheck() != null) {
      readiness.register("cluster", lifecycle.clusterCheck());
    }
    router.get("/health").handler(readiness);
    router.get("/health/ready").handler(readiness);
    router.get("/health/live").handler(liveness);
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
    }
    new AdminRoutes(vertx, client, config.admin().token(), streamedEvents).mount(router);
    new WebhookRoutes(vertx, config.webhooks(), client, config.http().maxBodySize()).mount(router);
    router.errorHandler(404, ctx -> error(ctx, 404, "not_found", "no such endpoint: " + ctx.request().path()));
    router.errorHandler(405, ctx -> error(ctx, 405, "method_not_allowed",
      ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> error(ctx, 413, "payload_too_large",
      "body exceeds " + config.http().maxBodySize() + " bytes (http.maxBodySize)"));
    router.errorHandler(400, ctx -> error(ctx, 400, "bad_request", "malformed request"));
    router.errorHandler(415, ctx -> error(ctx, 415, "unsupported_media_type",
      "Content-Type must be application/json"));
    router.errorHandler(500, ctx -> {
      LOG.error("Unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      error(ctx, 500, "internal_error", "internal error");
    });
    HttpServerOptions options = new HttpServerOptions()
      .setHost(config.http().host())
      .setPort(config.http().port())
      // A synchronous /webhook answer may take lockTimeout + processingTimeout: never cut a connection that waits.
      .setIdleTimeout((int) Math.max(config.http().idleTimeout(),
        config.lockTimeout() + config.processingTimeout() + 5_000))
      .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
      // No WebSockets are served: without compression to negotiate, Vert.x adds no WebSocket extension handler to
      // every connection's pipeline (it inspected each response written).
      .setPerFrameWebSocketCompressionSupported(false)
      .setPerMessageWebSocketCompressionSupported(false)
      // HTTP/1.1 only: no h2c (prior knowledge or Upgrade), so each connection's pipeline is built when it is
      // accepted and RequestFraming can swap its decoder before it reads a byte.
      .setHttp2ClearTextEnabled(false);
    return vertx.createHttpServer(options)
      .connectionHandler(connection -> framing.watch(connection, options))
      .invalidRequestHandler(framing::onInvalidRequest)
      .requestHandler(framing.guard(router))
      .listen()
      .onSuccess(server -> {
        this.server = server;
        onListening.accept(server.actualPort());
      });
  }

  /**
   * Stops accepting connections and lets requests in flight finish (their answers were decided by the drain that
   * ran before) for up to {@link #SHUTDOWN_GRACE_MS}; Vert.x's default close would cut them off.
   */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(SHUTDOWN_GRACE_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Tracks a request until its body has fully arrived; {@link #closeSlowBodies()} answers 408 and closes the
   * connection of one that trickles in for longer than {@code http.requestBodyTimeout}. One periodic sweep per
   * verticle instead of a timer per request.
   */
  private void limitBodyTime(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      bodiesInFlight.put(ctx, System.nanoTime());
      ctx.request().end().onComplete(done -> bodiesInFlight.remove(ctx));
    }
    ctx.next();
  }

  private void closeSlowBodies() {
    long deadline = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(config.http().requestBodyTimeout());
    Iterator<Map.Entry<RoutingContext, Long>> oldestFirst = bodiesInFlight.entrySet().iterator();
    while (oldestFirst.hasNext()) {
      Map.Entry<RoutingContext, Long> entry = oldestFirst.next();
      if (entry.getValue() - deadline > 0) {
        return;
      }
      oldestFirst.remove();
      RoutingContext ctx = entry.getKey();
      if (!ctx.request().isEnded() && !ctx.response().ended()) {
        ctx.response().putHeader("Connection", "close");
        error(ctx, 408, "request_timeout", "request body not received within "
          + config.http().requestBodyTimeout() + " ms");
        ctx.request().connection().close();
      }
    }
  }

  /** {@code webhook.secret}, when set, must arrive in {@value #SECRET_HEADER} (compared in constant time). */
  private void checkSharedSecret(RoutingContext ctx) {
    String secret = config.webhooks().webhookSecret();
    String given = ctx.request().getHeader(SECRET_HEADER);
    if (secret == null || (given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
      secret.getBytes(StandardCharsets.UTF_8)))) {
      ctx.next();
    } else {
      error(ctx, 401, "unauthorized", "missing or wrong " + SECRET_HEADER);
    }
  }

  private void onWebhook(RoutingContext ctx) {
    JsonObject body;
    try {
      body = Payloads.jsonObject(ctx.body().buffer());
    } catch (WebhookException e) {
      error(ctx, e.status(), e.code(), e.getMessage());
      return;
    }
    String contactId;
    InboundMessage message;
    try {
      if (body.containsKey("contactId")) {
        contactId = ContactIds.normalize(ContactIds.require(body.getValue("contactId"), "contactId"));
        message = InboundMessage.fromJson(body.getValue("message"));
      } else {
        contactId = ContactIds.normalize(ContactIds.require(body.getValue("from"), "from"));
        Object text = body.getValue("body");
        if (!(text instanceof String bodyText)) {
          throw new InvalidRequestException("body", text == null ? "body is required" : "body must be a string");
        }
        Object messageId = body.getValue("messageId");
        message = new InboundMessage(bodyText, messageId == null ? null : messageId.toString(), "text",
          System.currentTimeMillis(), null);
      }
      ContactIds.require(contactId, body.containsKey("contactId") ? "contactId" : "from");
    } catch (InvalidRequestException e) {
      error(ctx, 400, "invalid_field", e.getMessage(), e.field());
      return;
    }
    client.processMessage(contactId, message).onComplete(result -> {
      if (result.succeeded()) {
        answer(ctx, result.result());
      } else if (result.cause() instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && reply.failureCode() == 400) {
        error(ctx, 400, "invalid_field", reply.getMessage());
      } else {
        refusals.warn("POST /webhook answered 503: the orchestrator did not answer: {}", result.cause().getMessage());
        error(ctx, 503, "unavailable", "the orchestrator did not answer: " + result.cause().getMessage());
      }
    });
  }

  private void answer(RoutingContext ctx, ProcessResult result) {
    int status = 200;
    if (result.status() == ProcessResult.Status.REJECTED) {
      if (RejectReason.isUnavailable(result.reason())) {
        status = 503;
      } else {
        status = 429;
        ctx.response().putHeader("Retry-After", "1");
        refusals.warn("POST /webhook answered 429 ({})", result.reason());
      }
    }
    json(ctx, status, result.toJson());
  }
}
