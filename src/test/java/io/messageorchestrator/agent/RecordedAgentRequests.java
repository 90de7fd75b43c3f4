package io.messageorchestrator.agent;

import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The payload tests' other side: an HTTP endpoint and an event-bus address that answer {@code ok} and record every
 * request body an agent sent them, in arrival order, and the agents pointed at them.
 */
final class RecordedAgentRequests implements AutoCloseable {
  /** Every body received, HTTP and event bus alike, in arrival order. */
  final List<JsonObject> seen = new CopyOnWriteArrayList<>();
  final HttpAgent http;
  final EventBusAgent eventBus;
  private final HttpServer server;

  RecordedAgentRequests(Vertx vertx, String address) {
    server = Await.result(vertx.createHttpServer().requestHandler(request -> request.body()
      .onSuccess(body -> {
        seen.add(body.toJsonObject());
        request.response().putHeader("Content-Type", "application/json").end("{\"response\":\"ok\"}");
      })).listen(0, "127.0.0.1"));
    Await.result(vertx.eventBus().<JsonObject>consumer(address, message -> {
      seen.add(message.body());
      message.reply("ok");
    }).completion());
    http = new HttpAgent(vertx, "http://127.0.0.1:" + server.actualPort() + "/agent");
    eventBus = new EventBusAgent(vertx, address);
  }

  /** The agents block (they run on the workers' virtual threads): call them off the event loop, and wait. */
  static void offTheEventLoop(Blocking blocking) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        blocking.run();
        done.complete(null);
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    });
    done.get();
  }

  interface Blocking {
    void run() throws Exception;
  }

  @Override
  public void close() {
    http.close();
    Await.result(server.close());
  }
}
