package io.messageorchestrator.http;

import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.orchestrator.OrchestratorClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin API under {@code /admin}: statistics, one contact's status, emergency unlock, deadlock resolution and
 * {@code GET /admin/events}, a Server-Sent Events stream of every orchestrator event (the original's real-time
 * notifications). Requires {@code Authorization: Bearer <admin.token>}; with no token configured only loopback
 * callers are served.
 */
public final class AdminRoutes {
  static final long SSE_HEARTBEAT_MS = 15_000;

  private final Vertx vertx;
  private final OrchestratorClient client;
  private final String token;
  private final List<String> streamedEvents;

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
    router.route("/admin/*").handler(this::authorize);
    router.get("/admin/stats").handler(ctx -> respond(ctx, client.getStats()));
    router.get("/admin/contacts/:contactId").handler(ctx -> respond(ctx,
      client.contactStatus(contactId(ctx))));
    router.post("/admin/contacts/:contactId/unlock").handler(ctx -> respond(ctx,
      client.emergencyUnlock(contactId(ctx)).map(n -> new JsonObject().put("unlocked", n))));
    router.post("/admin/unlock").handler(ctx -> respond(ctx,
      client.emergencyUnlock().map(n -> new JsonObject().put("unlocked", n))));
    router.post("/admin/deadlocks/resolve").handler(ctx -> respond(ctx,
      client.detectAndResolveDeadlocks().map(n -> new JsonObject().put("resolved", n))));
    router.get("/admin/events").handler(this::streamEvents);
  }

  /** The path's contact id, normalised like the webhooks' ({@code +55 (11) 9…} → digits). */
  private static String contactId(RoutingContext ctx) {
    return ContactIds.normalize(ctx.pathParam("contactId"));
  }

  private void authorize(RoutingContext ctx) {
    if (token == null) {
      if (isLoopback(ctx.request().remoteAddress())) {
        ctx.next();
      } else {
        Responses.error(ctx, 403, "forbidden", "admin API answers loopback callers only (set admin.token)");
      }
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    String expected = "Bearer " + token;
    if (header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
      expected.getBytes(StandardCharsets.UTF_8))) {
      ctx.next();
    } else {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      Responses.error(ctx, 401, "unauthorized", "missing or wrong admin bearer token");
    }
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
   * published (all consumers of a stream share this verticle's context). A client that cannot keep up is
   * disconnected rather than buffered without bound; it can reconnect.
   */
  private void streamEvents(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
      .putHeader("Content-Type", "text/event-stream")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("X-Accel-Buffering", "no");
    List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
    for (String event : streamedEvents) {
      consumers.add(vertx.eventBus().consumer(Addresses.event(event), message -> {
        if (response.closed() || response.ended()) {
          return;
        }
        if (response.writeQueueFull()) {
          response.reset();
          return;
        }
        response.write("event: " + event + "\ndata: " + message.body().encode() + "\n\n");
      }));
    }
    long heartbeat = vertx.setPeriodic(SSE_HEARTBEAT_MS, id -> {
      if (!response.closed() && !response.ended()) {
        response.write(": keep-alive\n\n");
      }
    });
    response.closeHandler(closed -> {
      vertx.cancelTimer(heartbeat);
      consumers.forEach(MessageConsumer::unregister);
    });
    Future.all(consumers.stream().map(MessageConsumer::completion).toList())
      .onSuccess(ready -> response.write(": connected\n\n"))
      .onFailure(failure -> Responses.error(ctx, 503, "unavailable", failure.getMessage()));
  }

  private static void respond(RoutingContext ctx, Future<JsonObject> answer) {
    answer.onSuccess(body -> Responses.json(ctx, 200, body))
      .onFailure(failure -> Responses.error(ctx, 503, "unavailable", failure.getMessage()));
  }
}
