package io.messageorchestrator.e2e;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.orchestrator.Outcome;
import io.messageorchestrator.outbound.OutboundEvents;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * V1 on the whole path: three WhatsApp fragments through the Evolution webhook (HTTP), one agent call with all three
 * in order, one reply sent to the (fake) Evolution server.
 */
@ExtendWith(VertxExtension.class)
class CoalescingWebhookTest {
  private final List<List<String>> agentCalls = new CopyOnWriteArrayList<>();
  private final List<JsonObject> sent = new CopyOnWriteArrayList<>();

  private static JsonObject customer(String id, String text) {
    JsonObject body = new JsonObject(Buffer.buffer(fixture("evolution-messages-upsert-conversation.json")));
    body.getJsonObject("data").getJsonObject("key").put("id", id);
    body.getJsonObject("data").put("message", new JsonObject().put("conversation", text));
    return body;
  }

  @Test
  @DisplayName("a burst of three fragments through the webhook gets one agent call (all three, in order) and one"
    + " reply delivered")
  void burstOfThreeGetsOneReply(Vertx vertx) {
    HttpServer evolution = Await.result(vertx.createHttpServer().requestHandler(request -> request.body()
      .onSuccess(body -> {
        sent.add(body.toJsonObject());
        request.response().putHeader("Content-Type", "application/json")
          .end(Buffer.buffer(fixture("evolution-send-text-response.json")));
      })).listen(0, "127.0.0.1"));
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject().put("lockTimeout", 0)
        .put("coalesce", new JsonObject().put("quietWindow", 2_000)) // generous: the three posts must land in one window on a busy machine
        .put("outbound", new JsonObject().put("type", "evolution")
          .put("url", "http://127.0.0.1:" + evolution.actualPort()).put("token", "TEST-INSTANCE-APIKEY")),
      (message, context) -> {
        agentCalls.add(context.messages().stream().map(InboundMessage::text).toList());
        return AgentReply.of("Premium for 3 users: 30/month");
      });
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    WebClient web = WebClient.create(vertx);
    try {
      List<String> fragments = List.of("Oi", "quero o plano premium", "para 3 usuários?");
      for (int i = 0; i < fragments.size(); i++) {
        assertThat(Await.result(web.post(suite.httpPort(), "127.0.0.1", "/webhook/evolution")
          .putHeader("Content-Type", "application/json")
          .sendBuffer(customer("IN-" + i, fragments.get(i)).toBuffer())).statusCode()).isEqualTo(200);
      }
      events.awaitAll(OutboundEvents.REPLY_DELIVERED, 1);

      assertThat(agentCalls).containsExactly(fragments);
      assertThat(events.all(Events.MESSAGE_COALESCING)).hasSize(3);
      assertThat(events.all(Events.MESSAGE_PROCESSED)).singleElement()
        .satisfies(processed -> assertThat(processed.getJsonArray("members")).hasSize(3));
      // every fragment has its final outcome: no other reply can follow
      assertThat(suite.metrics().count(Outcome.PROCESSED)).isEqualTo(1);
      assertThat(suite.metrics().count(Outcome.COALESCED_INTO)).isEqualTo(2);
      assertThat(sent).hasSize(1);
      assertThat(sent.getFirst().encode()).contains("Premium for 3 users: 30/month");
    } finally {
      Await.result(suite.stop());
      Await.result(evolution.close());
    }
  }
}
