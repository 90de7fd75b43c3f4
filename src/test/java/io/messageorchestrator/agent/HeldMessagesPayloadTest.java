package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** V3 ({@code handoff.onResume=last}): the built-in http and eventbus agents pass the held messages on. */
@ExtendWith(VertxExtension.class)
class HeldMessagesPayloadTest {
  private static final List<InboundMessage> HELD = List.of(InboundMessage.text("hi", "m1"),
    InboundMessage.text("I need", "m2"));

  private static ProcessingContext context(List<InboundMessage> held) {
    return new ProcessingContext("c1", "p1", 1, System.nanoTime() + 5_000_000_000L, held);
  }

  @Test
  @DisplayName("http and eventbus agents send heldMessages (oldest first) when there are any, and no such field"
    + " otherwise")
  void heldMessagesAreSent(Vertx vertx) throws Exception {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(request -> request.body()
      .onSuccess(body -> {
        seen.add(body.toJsonObject());
        request.response().putHeader("Content-Type", "application/json").end("{\"response\":\"ok\"}");
      })).listen(0, "127.0.0.1"));
    Await.result(vertx.eventBus().<JsonObject>consumer("test.agent", message -> {
      seen.add(message.body());
      message.reply("ok");
    }).completion());
    HttpAgent http = new HttpAgent(vertx, "http://127.0.0.1:" + server.actualPort() + "/agent");
    EventBusAgent eventBus = new EventBusAgent(vertx, "test.agent");
    try {
      // The agents block (they run on the workers' virtual threads): call them off the event loop.
      CompletableFuture<Void> calls = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          http.process(InboundMessage.text("the premium plan"), context(HELD));
          http.process(InboundMessage.text("alone"), context(List.of()));
          eventBus.process(InboundMessage.text("the premium plan"), context(HELD));
          calls.complete(null);
        } catch (Exception e) {
          calls.completeExceptionally(e);
        }
      });
      calls.get();
    } finally {
      http.close();
    }
    JsonArray expected = new JsonArray().add(HELD.get(0).toJson()).add(HELD.get(1).toJson());
    assertThat(seen).hasSize(3);
    assertThat(seen.get(0).getJsonArray("heldMessages")).isEqualTo(expected);
    assertThat(seen.get(1).containsKey("heldMessages")).isFalse();
    assertThat(seen.get(2).getJsonArray("heldMessages")).isEqualTo(expected);
  }
}
