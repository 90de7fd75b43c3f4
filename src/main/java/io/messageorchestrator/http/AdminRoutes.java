package io.messageorchestrator.http;

import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.RateLimitedLog;
import io.messageorchestrator.eventbus.EventOrigin;
import io.messageorchestrator.orchestrator.OrchestratorClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The admin API under {@code /admin}: statistics, one contact's status (with its human-handoff pause and held
 * messages), pausing and resuming a conversation (V3), emergency unlock, deadlock resolution,
 * {@code GET /admin/events}, a Server-Sent Events stream of every orchestrator event (the original's real-time
 * notifications), the journal's dead letters and a contact's data (export, erase); and {@code GET /stats}, whose
 * contact lists and configuration only admins see.
 *
 * <p>Admin credentials: {@code Authorization: Bearer <admin.token>}. With no token configured, a loopback caller is
 * trusted, unless the request carries a forwarding header ({@value #FORWARDING_HEADERS_TEXT}): behind a reverse
 * proxy on the same host every caller is loopback, and the proxy says so with those headers.
 */
public final class AdminRoutes {
  static final long SSE_HEARTBEAT_MS = 15_000;
  /** Bytes an {@code /admin/events} subscriber may leave unread (beyond the kernel's buffers) before it is dropped. */
  static final int SSE_MAX_PENDING_BYTES = 1 << 20;
  static final List<String> FORWARDING_HEADERS = List.of("Forwarded", "X-Forwarded-For", "X-Real-IP");
  static final String FORWARDING_HEADERS_TEXT = "Forwarded, X-Forwarded-For, X-Real-IP";
  /** {@code /stats} fields left out without admin credentials: contact ids (phone numbers) and configuration. */
  static final String CONFIG_FIELD = "config";
  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);
  /** The pause and resume bodies are a few fields. */
  static final int HANDOFF_BODY_LIMIT = 16 * 1024;
  /** Local-map key: the token-less warning is logged once per Vert.x instance, not once per HTTP verticle. */
  private static final String WARNED_KEY = AdminRoutes.class.getName() + ".tokenlessWarning";

  private final Vertx vertx;
  private final OrchestratorClient client;
  private final String token;
  private final List<String> streamedEvents;
  private final RateLimitedLog slowClients = new RateLimitedLog(LOG, HttpVerticle.REFUSAL_LOG_INTERVAL);

  /**
   * @param token          the admin bearer token, or {@code null} to allow loopback callers only
   * @param streamedEvents event names relayed on {@code /admin/events}
   */
  public AdminRoutes(Vertx vertx, OrchestratorClient client, String token, List<String> streamedEvents) {
    this.vertx = vertx;
    this.client = client;
    this.token = token;
    this.streamedEvents = List.copyOf(streamedEvents);
  }

  public void mount(Router router) {
    if (token == null && vertx.sharedData().getLocalMap(WARNED_KEY).putIfAbsent("warned", true) == null) {
      LOG.warn("admin.token is not set: /admin and the full /stats answer loopback callers without credentials "
        + "(requests with {} are refused); set admin.token (ADMIN_TOKEN) before exposing the port, even through a "
        + "reverse proxy", FORWARDING_HEADERS_TEXT);
    }
    router.get("/stats").handler(ctx -> client.getStats()
      .onSuccess(stats -> Responses.json(ctx, 200, denial(ctx) == null ? stats : countsOnly(stats)))
      .onFailure(failure -> Responses.error(ctx, 503, "unavailable", "statistics unavailable: "
        + failure.getMessage())));
    router.route("/admin/*").handler(this::authorize);
    router.get("/admin/stats").handler(ctx -> respond(ctx, client.getStats()));
    router.get("/admin/contacts/:contactId").handler(ctx -> respond(ctx,
      client.contactStatus(contactId(ctx), ctx.queryParams().get("account"))));
    BodyHandler smallBody = BodyHandler.create(false).setBodyLimit(HANDOFF_BODY_LIMIT);
    router.post("/admin/contacts/:contactId/pause").handler(smallBody).handler(this::onPause);
    router.post("/admin/contacts/:contactId/resume").handler(smallBody).handler(this::onResume);
    router.post("/admin/contacts/:contactId/unlock").handler(ctx -> respond(ctx,
      client.emergencyUnlock(contactId(ctx), ctx.queryParams().get("account"))
        .map(n -> new JsonObject().put("unlocked", n))));
    router.post("/admin/unlock").handler(ctx -> respond(ctx,
      client.emergencyUnlock().map(n -> new JsonObject().put("unlocked", n))));
    router.post("/admin/deadlocks/resolve").handler(ctx -> respond(ctx,
      client.detectAndResolveDeadlocks().map(n -> new JsonObject().put("resolved", n))));
    router.get("/admin/events").handler(this::streamEvents);
    mountJournalRoutes(router);
  }

  /** Dead letters (J6) and a conversation's data (J12), served by the journal admin verticle. */
  private void mountJournalRoutes(Router router) {
    router.get("/admin/dead-letters").handler(ctx -> {
      Integer limit;
      Integer offset;
      try {
        limit = queryInteger(ctx, "limit");
        offset = queryInteger(ctx, "offset");
      } catch (InvalidRequestException e) {
        Responses.error(ctx, 400, "invalid_query", e.getMessage(), e.field());
        return;
      }
      respond(ctx, client.deadLetters(limit, offset));
    });
    router.get("/admin/dead-letters/:processId").handler(ctx -> respond(ctx,
      client.deadLetter(ctx.pathParam("processId"))));
    router.delete("/admin/dead-letters/:processId").handler(ctx -> respond(ctx,
      client.deleteDeadLetter(ctx.pathParam("processId"))));
    router.post("/admin/dead-letters/:processId/replay").handler(ctx -> respond(ctx,
      client.replayDeadLetter(ctx.pathParam("processId"))));
    router.get("/admin/contacts/:contactId/data").handler(ctx -> respond(ctx,
      client.exportContactData(contactId(ctx), ctx.queryParams().get("account"))));
    router.delete("/admin/contacts/:contactId/data").handler(ctx -> respond(ctx,
      client.eraseContactData(contactId(ctx), ctx.queryParams().get("account"))));
  }

  /**
   * V3: {@code POST /admin/contacts/{id}/pause} with an optional JSON body {@code {ttl?, reason?, account?}}
   * ({@code ttl} in ms; {@code account} may also be a query parameter). A body that is not such an object is a 400.
   */
  private void onPause(RoutingContext ctx) {
    JsonObject body;
    try {
      body = handoffBody(ctx, List.of("ttl", "reason", "account"));
      Object ttl = body.getValue("ttl");
      if (ttl != null && !(ttl instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue()))) {
        throw new InvalidRequestException("ttl", "ttl must be a whole number of milliseconds, got " + ttl);
      }
      if (body.getValue("reason") != null && !(body.getValue("reason") instanceof String)) {
        throw new InvalidRequestException("reason", "reason must be a string");
      }
    } catch (InvalidRequestException e) {
      Responses.error(ctx, 400, "invalid_request", e.getMessage(), e.field());
      return;
    }
    Number ttl = (Number) body.getValue("ttl");
    respond(ctx, client.pause(contactId(ctx), account(ctx, body), ttl == null ? null : Duration.ofMillis(ttl.longValue()),
      body.getString("reason")));
  }

  /** V3: {@code POST /admin/contacts/{id}/resume}, optional body {@code {account?}}. */
  private void onResume(RoutingContext ctx) {
    JsonObject body;
    try {
      body = handoffBody(ctx, List.of("account"));
    } catch (InvalidRequestException e) {
      Responses.error(ctx, 400, "invalid_request", e.getMessage(), e.field());
      return;
    }
    respond(ctx, client.resume(contactId(ctx), account(ctx, body)));
  }

  /** The body's account (a string: {@link #handoffBody} checked it), else the query's; the admin verticle checks it. */
  private static String account(RoutingContext ctx, JsonObject body) {
    String account = body.getString("account");
    return account != null ? account : ctx.queryParams().get("account");
  }

  /** An empty body is {@code {}}; otherwise a JSON object with only the {@code allowed} fields. */
  private static JsonObject handoffBody(RoutingContext ctx, List<String> allowed) {
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0 || raw.toString(StandardCharsets.UTF_8).isBlank()) {
      return new JsonObject();
    }
    Object parsed;
    try {
      parsed = raw.toJsonValue();
    } catch (RuntimeException e) {
      throw new InvalidRequestException("body", "body must be a JSON object: " + e.getMessage());
    }
    if (!(parsed instanceof JsonObject object)) {
      throw new InvalidRequestException("body", "body must be a JSON object");
    }
    for (String field : object.fieldNames()) {
      if (!allowed.contains(field)) {
        throw new InvalidRequestException(field, "unknown field '" + field + "'; allowed: " + String.join(", ", allowed));
      }
    }
    if (object.getValue("account") != null && !(object.getValue("account") instanceof String)) {
      throw new InvalidRequestException("account", "account must be a string");
    }
    return object;
  }

  /** An optional whole-number query parameter (its range is the journal admin's to check). */
  private static Integer queryInteger(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    if (values.isEmpty()) {
      return null;
    }
    try {
      if (values.size() == 1) {
        return Integer.valueOf(values.get(0).trim());
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new InvalidRequestException(name, name + " must be one whole number, got " + String.join(", ", values));
  }

  /** The path's contact id, normalised like the webhooks' ({@code +55 (11) 9…} → digits). */
  private static String contactId(RoutingContext ctx) {
    return ContactIds.normalize(ctx.pathParam("contactId"));
  }

  private void authorize(RoutingContext ctx) {
    Denial denial = denial(ctx);
    if (denial == null) {
      ctx.next();
      return;
    }
    if (denial.status() == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    Responses.error(ctx, denial.status(), denial.code(), denial.message());
  }

  /** Why this request has no admin credentials, or {@code null} when it has them. */
  private Denial denial(RoutingContext ctx) {
    if (token != null) {
      String header = ctx.request().getHeader("Authorization");
      String expected = "Bearer " + token;
      return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8)) ? null
        : new Denial(401, "unauthorized", "missing or wrong admin bearer token");
    }
    for (String forwarding : FORWARDING_HEADERS) {
      if (ctx.request().headers().contains(forwarding)) {
        return new Denial(403, "forbidden", "without admin.token, requests through a proxy (" + forwarding
          + " header) are refused: set admin.token");
      }
    }
    return isLoopback(ctx.request().remoteAddress()) ? null
      : new Denial(403, "forbidden", "admin API answers loopback callers only (set admin.token)");
  }

  private record Denial(int status, String code, String message) {
  }

  /**
   * The statistics without admin credentials: counts only. Every list (they name contacts, i.e. phone numbers) and
   * the configuration are left out, at any depth, so a list added to the statistics later stays private too.
   */
  static JsonObject countsOnly(JsonObject stats) {
    JsonObject counts = new JsonObject();
    stats.forEach(field -> {
      Object value = field.getValue();
      if (CONFIG_FIELD.equals(field.getKey()) || value instanceof JsonArray) {
        return;
      }
      counts.put(field.getKey(), value instanceof JsonObject nested ? countsOnly(nested) : value);
    });
    return counts;
  }

  static boolean isLoopback(SocketAddress address) {
    if (address == null || address.hostAddress() == null) {
      return false;
    }
    try {
      return InetAddress.getByName(address.hostAddress()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * Relays events as {@code event: <name>} / {@code data: <json>}. Events of one shard arrive in the order they were
   * published (all consumers of a stream share this verticle's context). In cluster mode the consumers are
   * cluster-wide, so the stream has every node's events, each once, its {@code data} ending with {@code node}: the
   * member address of the node that published it ({@link EventOrigin}). A client that cannot keep up is
   * disconnected once {@value #SSE_MAX_PENDING_BYTES} bytes written to it are not yet handed to the network, rather
   * than buffered without bound; it can reconnect.
   */
  private void streamEvents(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
      .putHeader("Content-Type", "text/event-stream")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("X-Accel-Buffering", "no");
    SseClient client = new SseClient(ctx);
    for (String event : streamedEvents) {
      client.consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.event(event), message ->
        client.send("event: " + event + "\ndata: " + withOrigin(message.body(), EventOrigin.of(message)).encode()
          + "\n\n")));
    }
    client.heartbeat = vertx.setPeriodic(SSE_HEARTBEAT_MS, id -> client.send(": keep-alive\n\n"));
    response.closeHandler(closed -> client.stop());
    // A stream never ends by itself: at server shutdown it ends at once instead of holding the shutdown's grace.
    ctx.request().connection().shutdownHandler(shutdown -> {
      client.stop();
      response.end();
    });
    Future.all(client.consumers.stream().map(MessageConsumer::completion).toList())
      .onSuccess(ready -> client.send(": connected\n\n"))
      .onFailure(failure -> Responses.error(ctx, 503, "unavailable", failure.getMessage()));
  }

  /** The event with {@code node} added (a shallow copy: the event is shared read-only), or as it is without one. */
  private static JsonObject withOrigin(JsonObject event, String node) {
    return node == null ? event : new JsonObject(new LinkedHashMap<>(event.getMap())).put(EventOrigin.HEADER, node);
  }

  /**
   * One {@code /admin/events} subscriber: counts the bytes written but not yet handed to the network, and
   * disconnects the subscriber when they exceed the bound or Vert.x reports its write queue full. Confined to this
   * verticle's event loop.
   */
  private final class SseClient {
    private final RoutingContext ctx;
    private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
    private long heartbeat = -1;
    private long pendingBytes;
    private boolean stopped;

    SseClient(RoutingContext ctx) {
      this.ctx = ctx;
    }

    void send(String text) {
      HttpServerResponse response = ctx.response();
      if (stopped || response.closed() || response.ended()) {
        return;
      }
      Buffer bytes = Buffer.buffer(text);
      if (pendingBytes + bytes.length() > SSE_MAX_PENDING_BYTES || response.writeQueueFull()) {
        slowClients.warn("Disconnected a slow /admin/events client {}: {} bytes were waiting to be sent",
          ctx.request().remoteAddress(), pendingBytes);
        stop(); // at once: no event is queued for it while the connection closes
        ctx.request().connection().close();
        return;
      }
      pendingBytes += bytes.length();
      response.write(bytes).onComplete(written -> pendingBytes -= bytes.length());
    }

    void stop() {
      if (!stopped) {
        stopped = true;
        vertx.cancelTimer(heartbeat);
        consumers.forEach(MessageConsumer::unregister);
      }
    }
  }

  /**
   * 200 with the answer; a failure keeps the event-bus failure code when it is the caller's or a refusal (400, 404,
   * 409, 429), anything else (no answer, the journal or a shard failing) is 503: never a 5xx for a caller's mistake.
   */
  private static void respond(RoutingContext ctx, Future<JsonObject> answer) {
    answer.onSuccess(body -> Responses.json(ctx, 200, body)).onFailure(failure -> {
      int code = failure instanceof ReplyException reply ? reply.failureCode() : -1;
      switch (code) {
        case 400 -> Responses.error(ctx, 400, "invalid_request", failure.getMessage());
        case 404 -> Responses.error(ctx, 404, "not_found", failure.getMessage());
        case 409 -> Responses.error(ctx, 409, "conflict", failure.getMessage());
        case 429 -> Responses.error(ctx, 429, "rejected", failure.getMessage());
        default -> Responses.error(ctx, 503, "unavailable", failure.getMessage());
      }
    });
  }
}
