package io.messageorchestrator.agent;

import io.messageorchestrator.core.HistoryEntry;
import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

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
    List<JsonObject> seen;
    try (RecordedAgentRequests agents = new RecordedAgentRequests(vertx, "test.history.agent")) {
      RecordedAgentRequests.offTheEventLoop(() -> {
        agents.http.process(InboundMessage.text("the premium plan"), context(HISTORY));
        agents.http.process(InboundMessage.text("first words"), context(List.of()));
        agents.eventBus.process(InboundMessage.text("the premium plan"), context(HISTORY));
        agents.eventBus.process(InboundMessage.text("first words"), context(List.of()));
      });
      seen = agents.seen;
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
