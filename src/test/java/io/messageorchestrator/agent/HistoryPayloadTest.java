package io.messageorchestrator.agent;

import io.messageorchestrator.core.HistoryEntry;
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

/** V4: the built-in http and eventbus agents pass the conversation's history on as {@code history}. */
@ExtendWith(VertxExtension.class)
class HistoryPayloadTest {
  static final List<HistoryEntry> HISTORY = List.of(new HistoryEntry("user", "hi", 1_700_000_000_000L),
    new HistoryEntry("assistant", "hello! how can I help?", 1_700_000_001_000L));

  static ProcessingContext context(List<HistoryEntry> history) {
    return new ProcessingContext("c1", "p1", 1, System.nanoTime() + 5_000_000_000L, List.of(), List.of(), history);
  }

  @Test
  @DisplayName("http and eventbus agents send history [{role, text, time}] oldest first when there is one, and no"
    + " such field otherwise")
  void historyIsSent(Vertx vertx) throws Exception {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(request -> request.body()
      .onSuccess(body -> {
        seen.add(body.toJsonObject());
        request.response().putHeader("Content-Type", "application/json").end("{\"response\":\"ok\"}");
      })).listen(0, "127.0.0.1"));
    Await.result(vertx.eventBus().<JsonObject>consumer("test.history.agent", message -> {
      seen.add(message.body());
      message.reply("ok");
    }).completion());
    HttpAgent http = new HttpAgent(vertx, "http://127.0.0.1:" + server.actualPort() + "/agent");
    EventBusAgent eventBus = new EventBusAgent(vertx, "test.history.agent");
    try {
      // The agents block (they run on the workers' virtual threads): call them off the event loop.
      CompletableFuture<Void> calls = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          http.process(InboundMessage.text("the premium plan"), context(HISTORY));
          http.process(InboundMessage.text("first words"), context(List.of()));
          eventBus.process(InboundMessage.text("the premium plan"), context(HISTORY));
          eventBus.process(InboundMessage.text("first words"), context(List.of()));
          calls.complete(null);
        } catch (Exception e) {
          calls.completeExceptionally(e);
        }
      });
      calls.get();
    } finally {
      http.close();
    }
    JsonArray expected = new JsonArray()
      .add(new JsonObject().put("role", "user").put("text", "hi").put("time", 1_700_000_000_000L))
      .add(new JsonObject().put("role", "assistant").put("text", "hello! how can I help?")
        .put("time", 1_700_000_001_000L));
    assertThat(seen).hasSize(4);
    assertThat(seen.get(0).getJsonArray("history")).isEqualTo(expected);
    assertThat(seen.get(1).containsKey("history")).isFalse();
    assertThat(seen.get(2).getJsonArray("history")).isEqualTo(expected);
    assertThat(seen.get(3).containsKey("history")).isFalse();
  }
}
