package io.messageorchestrator.agent;

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
    List<JsonObject> seen;
    try (RecordedAgentRequests agents = new RecordedAgentRequests(vertx, "test.agent")) {
      RecordedAgentRequests.offTheEventLoop(() -> {
        agents.http.process(InboundMessage.text("the premium plan"), context(HELD));
        agents.http.process(InboundMessage.text("alone"), context(List.of()));
        agents.eventBus.process(InboundMessage.text("the premium plan"), context(HELD));
      });
      seen = agents.seen;
    }
    JsonArray expected = new JsonArray().add(HELD.get(0).toJson()).add(HELD.get(1).toJson());
    assertThat(seen).hasSize(3);
    assertThat(seen.get(0).getJsonArray("heldMessages")).isEqualTo(expected);
    assertThat(seen.get(1).containsKey("heldMessages")).isFalse();
    assertThat(seen.get(2).getJsonArray("heldMessages")).isEqualTo(expected);
  }
}
