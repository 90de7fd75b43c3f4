package io.messageorchestrator.http;

import io.messageorchestrator.config.WebhookSettings;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.RateLimitedLog;
import io.messageorchestrator.orchestrator.OrchestratorClient;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.webhook.EvolutionWebhook;
import io.messageorchestrator.webhook.Payloads;
import io.messageorchestrator.webhook.Signatures;
import io.messageorchestrator.webhook.TwilioWebhook;
import io.messageorchestrator.webhook.WebhookException;
import io.messageorchestrator.webhook.WebhookMessage;
import io.messageorchestrator.webhook.WhatsAppCloudWebhook;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.messageorchestrator.http.Responses.error;
import static io.messageorchestrator.http.Responses.json;

/**
 * The provider webhooks: Meta WhatsApp Cloud API ({@code GET}/{@code POST /webhook/whatsapp}), Evolution API
 * ({@code POST /webhook/evolution}) and Twilio ({@code POST /webhook/twilio}).
 *
 * <p>Messages of one request are offered in payload order from this request's context (event-bus sends from one
 * context to one shard are delivered in order) and the provider gets its 200 once they are accepted, without waiting
 * for the agent: Meta retries anything else for days. A refused message (queue full, shutting down) makes the answer
 * 429/503 so the provider retries; redelivered messages that were accepted the first time are dropped by the
 * orchestrator's {@code messageId} deduplication. Delivery statuses are published as the event {@value #STATUS_EVENT}, never processed. Client
 * mistakes get a 4xx {@code {"error": code, "message": ..., "field"?: ...}}.
 */
public final class WebhookRoutes {
  public static final String WHATSAPP_PATH = "/webhook/whatsapp";
  public static final String EVOLUTION_PATH = "/webhook/evolution";
  public static final String TWILIO_PATH = "/webhook/twilio";
  /** Event (on {@code orchestrator.events.statusReceived}) carrying one provider delivery status. */
  public static final String STATUS_EVENT = Events.STATUS_RECEIVED;

  private static final Logger LOG = LoggerFactory.getLogger(WebhookRoutes.class);
  private static final String CONTENT_TYPE = "Content-Type";
  private static final String JSON = "application/json";
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final String EMPTY_TWIML = "<Response/>";

  private final Vertx vertx;
  private final WebhookSettings settings;
  private final OrchestratorClient client;
  private final int maxBodySize;
  /** Refused messages, logged without contact ids (phone numbers) and at most one line per interval. */
  private final RateLimitedLog refusals = new RateLimitedLog(LOG, HttpVerticle.REFUSAL_LOG_INTERVAL);

  /** @param maxBodySize the largest accepted body in bytes; larger ones get a 413 */
  public WebhookRoutes(Vertx vertx, WebhookSettings settings, OrchestratorClient client, int maxBodySize) {
    EventJsonCodec.register(vertx); // status events are published like the orchestrator's
    this.vertx = vertx;
    this.settings = settings;
    this.client = client;
    this.maxBodySize = maxBodySize;
  }

  /**
   * Adds the four routes, each with its own failure handler (so they answer JSON whatever the router does). The
   * Content-Type check is a route of its own ahead of the body route: Vert.x Web forbids a user handler before a
   * {@link BodyHandler} on one route, and a 415 should not read the body first.
   */
  public void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodySize).setMergeFormAttributes(false);
    router.get(WHATSAPP_PATH).handler(guarded(this::onHandshake)).failureHandler(this::onFailure);
    mountPost(router, WHATSAPP_PATH, JSON, body, this::onWhatsApp);
    mountPost(router, EVOLUTION_PATH, JSON, body, this::onEvolution);
    mountPost(router, TWILIO_PATH, FORM, body, this::onTwilio);
  }

  private void mountPost(Router router, String path, String mediaType, BodyHandler body,
                         Handler<RoutingContext> handler) {
    router.post(path).handler(MediaTypes.require(mediaType)).failureHandler(this::onFailure);
    router.post(path).handler(body).handler(guarded(handler)).failureHandler(this::onFailure);
  }

  /** Meta's subscription handshake: echo {@code hub.challenge} only for the configured verify token. */
  private void onHandshake(RoutingContext ctx) {
    String mode;
    String token;
    String challenge;
    try {
      mode = query(ctx, "hub.mode");
      token = query(ctx, "hub.verify_token");
      challenge = query(ctx, "hub.challenge");
    } catch (RuntimeException e) {
      throw new WebhookException(400, "invalid_query", "malformed query string", null);
    }
    if (!"subscribe".equals(mode) || !Signatures.safeEquals(settings.whatsappVerifyToken(), token)) {
      throw new WebhookException(403, "forbidden", "hub.mode must be 'subscribe' and hub.verify_token must match",
        null);
    }
    if (challenge == null) {
      throw WebhookException.invalidField("hub.challenge", "hub.challenge is required");
    }
    ctx.response().setStatusCode(200).putHeader(CONTENT_TYPE, "text/plain; charset=utf-8")
      .putHeader("X-Content-Type-Options", "nosniff").end(challenge);
  }

  private void onWhatsApp(RoutingContext ctx) {
    Buffer raw = rawBody(ctx);
    if (settings.whatsappAppSecret() != null && !Signatures.verifyMeta(settings.whatsappAppSecret(), raw.getBytes(),
      ctx.request().getHeader(Signatures.META_HEADER))) {
      throw new WebhookException(401, "unauthorized", "missing or invalid " + Signatures.META_HEADER, null);
    }
    WhatsAppCloudWebhook.Result result = WhatsAppCloudWebhook.parse(raw);
    result.statuses().forEach(this::publishStatus);
    submitBusinessReplies(result.businessReplies()).compose(v -> submit(result.messages()))
      .onComplete(accepted -> answer(ctx, accepted, () -> json(ctx, 200, withBusinessReplies(
        new JsonObject().put("received", result.messages().size()).put("statuses", result.statuses().size()),
        result.businessReplies()))));
  }

  private void onEvolution(RoutingContext ctx) {
    String header = ctx.request().getHeader(EvolutionWebhook.APIKEY_HEADER);
    JsonObject body = Payloads.jsonObject(rawBody(ctx));
    if (!EvolutionWebhook.authorized(settings.evolutionApiKey(), header, body)) {
      throw new WebhookException(401, "unauthorized", "missing or invalid apikey", null);
    }
    EvolutionWebhook.Result result = EvolutionWebhook.parse(body, settings.evolutionAcceptGroups());
    submitBusinessReplies(result.businessReplies()).compose(v -> submit(result.messages()))
      .onComplete(accepted -> answer(ctx, accepted, () -> json(ctx, 200, withBusinessReplies(
        new JsonObject().put("received", result.messages().size()).put("ignored", result.ignored()),
        result.businessReplies()))));
  }

  private void onTwilio(RoutingContext ctx) {
    Map<String, List<String>> form = TwilioWebhook.parseForm(rawBody(ctx));
    if (settings.twilioAuthToken() != null) {
      String url = settings.twilioPublicUrl() != null ? settings.twilioPublicUrl() : ctx.request().absoluteURI();
      if (!Signatures.verifyTwilio(settings.twilioAuthToken(), url, form,
        ctx.request().getHeader(Signatures.TWILIO_HEADER))) {
        throw new WebhookException(401, "unauthorized", "missing or invalid " + Signatures.TWILIO_HEADER, null);
      }
    }
    TwilioWebhook.Result result = TwilioWebhook.parse(form);
    if (result.message() == null) {
      publishStatus(result.status());
    }
    Future<Void> accepted = result.message() != null ? submit(List.of(result.message())) : Future.succeededFuture();
    accepted.onComplete(done -> answer(ctx, done, () -> ctx.response().setStatusCode(200)
      .putHeader(CONTENT_TYPE, "text/xml").end(EMPTY_TWIML)));
  }

  /**
   * Offers every message now, in payload order, and completes once each is accepted (not processed): the provider is
   * answered within milliseconds. Fails with a 429/503 {@link WebhookException} when any message was refused, so the
   * provider retries; the messages that were accepted are then recognised as duplicates.
   */
  private Future<Void> submit(List<WebhookMessage> messages) {
    List<Future<ProcessResult>> answers = new ArrayList<>(messages.size());
    for (WebhookMessage message : messages) {
      answers.add(client.accept(message.contactId(), message.message()));
    }
    return Future.join(answers).transform(done -> {
      for (int i = 0; i < answers.size(); i++) {
        Future<ProcessResult> answer = answers.get(i);
        WebhookMessage message = messages.get(i);
        if (answer.failed()) {
          refusals.warn("Webhook answered 503: message {} could not be offered: {}", message.message().messageId(),
            answer.cause().getMessage());
          return Future.failedFuture(new WebhookException(503, "unavailable",
            "the orchestrator did not answer; retry later", null));
        }
        ProcessResult result = answer.result();
        if (result.status() == ProcessResult.Status.REJECTED) {
          boolean draining = RejectReason.isUnavailable(result.reason());
          refusals.warn("Webhook answered {}: message {} was refused ({}); the provider will retry",
            draining ? 503 : 429, message.message().messageId(), result.reason());
          return Future.failedFuture(new WebhookException(draining ? 503 : 429, result.reason(), result.error(), null));
        }
      }
      return Future.succeededFuture();
    });
  }

  /**
   * V3: messages the business sent from its own phone go to their conversation's shard first (they may pause it, so
   * that the contact's messages of the same payload are held), in payload order. Fails with a 503 when a shard does
   * not answer: the provider retries, and pausing again changes nothing.
   */
  private Future<Void> submitBusinessReplies(List<WebhookMessage> replies) {
    if (replies.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<JsonObject>> answers = new ArrayList<>(replies.size());
    for (WebhookMessage reply : replies) {
      answers.add(client.businessMessage(Accounts.of(reply.message()), reply.contactId(),
        reply.message().messageId(), reply.message().text()));
    }
    return Future.all(answers).<Void>mapEmpty().recover(failure -> {
      refusals.warn("Webhook answered 503: a business reply could not be offered: {}", failure.getMessage());
      return Future.failedFuture(new WebhookException(503, "unavailable",
        "the orchestrator did not answer; retry later", null));
    });
  }

  /** The answer counts business replies only when there were any (the usual answer keeps its shape). */
  private static JsonObject withBusinessReplies(JsonObject answer, List<WebhookMessage> replies) {
    return replies.isEmpty() ? answer : answer.put("businessReplies", replies.size());
  }

  /** Runs {@code onAccepted}, or answers the refusal. */
  private static void answer(RoutingContext ctx, AsyncResult<Void> accepted, Runnable onAccepted) {
    if (accepted.succeeded()) {
      onAccepted.run();
    } else if (accepted.cause() instanceof WebhookException refused) {
      if (refused.status() == 429) {
        ctx.response().putHeader("Retry-After", "1");
      }
      error(ctx, refused.status(), refused.code(), refused.getMessage(), refused.field());
    } else {
      ctx.fail(accepted.cause());
    }
  }

  private void publishStatus(JsonObject status) {
    vertx.eventBus().publish(Addresses.event(STATUS_EVENT), status, EventJsonCodec.DELIVERY);
  }

  /** Maps client mistakes thrown by the handlers to their 4xx; anything else reaches the failure handler. */
  private static Handler<RoutingContext> guarded(Handler<RoutingContext> handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (WebhookException e) {
        error(ctx, e.status(), e.code(), e.getMessage(), e.field());
      } catch (InvalidRequestException e) {
        error(ctx, 400, "invalid_field", e.getMessage(), e.field());
      }
    };
  }

  private void onFailure(RoutingContext ctx) {
    int status = ctx.statusCode();
    if (status == 413) {
      error(ctx, 413, "payload_too_large", "body exceeds " + maxBodySize + " bytes", null);
    } else if (status >= 400 && status < 500) {
      error(ctx, status, "bad_request", "malformed request", null);
    } else {
      LOG.error("Unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      error(ctx, 500, "internal_error", "internal error", null);
    }
  }

  private static String query(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static Buffer rawBody(RoutingContext ctx) {
    Buffer buffer = ctx.body().buffer();
    return buffer == null ? Buffer.buffer() : buffer;
  }
}
