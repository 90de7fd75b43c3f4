package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code http} and {@code eventbus} agents read {@code handoff: true} from their JSON answer (V5, for V3). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class AgentHandoffTest {

  private static ProcessingContext context() {
    return ProcessingContext.withTimeout("5511999990000", "p-1", Duration.ofSeconds(5));
  }

  @Test
  @DisplayName("http agent: {response, handoff: true} is a reply flagged for handoff; without it, or with a non-boolean, it is not")
  void httpAgentHandoff(Vertx vertx) throws Exception {
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(request -> request.body()
      .onSuccess(body -> {
        String text = body.toJsonObject().getJsonObject("message").getString("text");
        JsonObject answer = new JsonObject().put("response", "answer to " + text);
        switch (text) {
          case "human" -> answer.put("handoff", true);
          case "string" -> answer.put("handoff", "true");
          default -> { }
        }
        request.response().putHeader("Content-Type", "application/json").end(answer.encode());
      })).listen(0, "127.0.0.1"));
    HttpAgent agent = new HttpAgent(vertx, "http://127.0.0.1:" + server.actualPort() + "/agent");
    try {
      AgentReply flagged = agent.process(InboundMessage.text("human"), context());
      AgentReply plain = agent.process(InboundMessage.text("plain"), context());
      AgentReply notBoolean = agent.process(InboundMessage.text("string"), context());

      assertThat(flagged).isEqualTo(new AgentReply("answer to human", null, true));
      assertThat(plain.handoff()).isFalse();
      assertThat(notBoolean.handoff()).isFalse();
    } finally {
      agent.close();
    }
  }

  @Test
  @DisplayName("eventbus agent: {response, handoff: true} is a reply flagged for handoff; a plain string answer is not")
  void eventBusAgentHandoff(Vertx vertx) throws Exception {
    Await.result(vertx.eventBus().<JsonObject>consumer("test.agent", request -> {
      String text = request.body().getJsonObject("message").getString("text");
      request.reply(text.equals("human") ? new JsonObject().put("response", "one moment").put("handoff", true)
        : "re:" + text);
    }).completion());
    EventBusAgent agent = new EventBusAgent(vertx, "test.agent");

    assertThat(agent.process(InboundMessage.text("human"), context()))
      .isEqualTo(new AgentReply("one moment", null, true));
    assertThat(agent.process(InboundMessage.text("hi"), context())).isEqualTo(AgentReply.of("re:hi"));
  }
}
