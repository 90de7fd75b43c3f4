package io.messageorchestrator.agent;

import io.messageorchestrator.config.OrchestratorConfig;
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

import static io.messageorchestrator.agent.RecordedAgentRequests.offTheEventLoop;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * V1/V2: a coalesced call's fragments reach the built-in agents — {@code messages} in the http and eventbus requests,
 * consecutive user messages for the openai agent — and a call of one message looks as before.
 */
@ExtendWith(VertxExtension.class)
class CoalescedPayloadTest {
  private static final List<InboundMessage> BURST = List.of(InboundMessage.text("hi", "m1"),
    InboundMessage.text("I want the premium plan", "m2"), InboundMessage.text("for 3 users?", "m3"));
  private static final InboundMessage JOINED = InboundMessage.text("hi\nI want the premium plan\nfor 3 users?", "m3");

  private static ProcessingContext context(List<InboundMessage> messages) {
    return new ProcessingContext("c1", "p1", 1, System.nanoTime() + 5_000_000_000L, List.of(), messages,
      List.of());
  }

  @Test
  @DisplayName("http and eventbus agents send every fragment of a coalesced call as 'messages', in order; a call of"
    + " one message has no such field")
  void messagesArrayIsSent(Vertx vertx) throws Exception {
    List<JsonObject> seen;
    try (RecordedAgentRequests agents = new RecordedAgentRequests(vertx, "test.coalesced.agent")) {
      offTheEventLoop(() -> {
        agents.http.process(JOINED, context(BURST));
        agents.http.process(InboundMessage.text("alone"), context(List.of(InboundMessage.text("alone"))));
        agents.eventBus.process(JOINED, context(BURST));
      });
      seen = agents.seen;
    }
    JsonArray expected = new JsonArray();
    BURST.forEach(message -> expected.add(message.toJson()));
    assertThat(seen).hasSize(3);
    assertThat(seen.get(0).getJsonArray("messages")).isEqualTo(expected);
    assertThat(seen.get(0).getJsonObject("message").getString("text")).isEqualTo(JOINED.text());
    assertThat(seen.get(1).containsKey("messages")).isFalse();
    assertThat(seen.get(2).getJsonArray("messages")).isEqualTo(expected);
  }

  @Test
  @DisplayName("the openai agent sends a coalesced call's fragments as consecutive user messages after the system"
    + " prompt")
  void openAiGetsConsecutiveUserMessages(Vertx vertx) throws Exception {
    OpenAiAgentTest.FakeChatServer server = new OpenAiAgentTest.FakeChatServer(vertx,
      OpenAiAgentTest.FakeChatServer.says("Premium covers 3 users."));
    OpenAiAgent agent = (OpenAiAgent) AgentProcessors.create(vertx, OrchestratorConfig.from(new JsonObject()
      .put("processor", new JsonObject().put("type", "openai").put("url", server.url).put("model", "m")
        .put("systemPrompt", "be brief"))));
    AgentReply[] reply = new AgentReply[1];
    offTheEventLoop(() -> reply[0] = agent.process(JOINED, context(BURST)));

    assertThat(reply[0].response()).isEqualTo("Premium covers 3 users.");
    JsonArray messages = server.requests.getFirst().body().getJsonArray("messages");
    assertThat(messages).containsExactly(
      new JsonObject().put("role", "system").put("content", "be brief"),
      new JsonObject().put("role", "user").put("content", "hi"),
      new JsonObject().put("role", "user").put("content", "I want the premium plan"),
      new JsonObject().put("role", "user").put("content", "for 3 users?"));
  }

  @Test
  @DisplayName("a coalesced call with history: http sends both 'history' and 'messages'; openai sends the history as"
    + " prior messages, then the fragments as consecutive user messages")
  void historyAndFragmentsTogether(Vertx vertx) throws Exception {
    List<HistoryEntry> history = List.of(new HistoryEntry(HistoryEntry.USER, "hello", 1_000L),
      new HistoryEntry(HistoryEntry.ASSISTANT, "hi! how can I help?", 2_000L));
    ProcessingContext context = new ProcessingContext("c1", "p1", 1, System.nanoTime() + 5_000_000_000L, List.of(),
      BURST, history);
    RecordedAgentRequests agents = new RecordedAgentRequests(vertx, "test.coalesced.history");
    List<JsonObject> seen = agents.seen;
    HttpAgent http = agents.http;
    OpenAiAgentTest.FakeChatServer chat = new OpenAiAgentTest.FakeChatServer(vertx,
      OpenAiAgentTest.FakeChatServer.says("Premium covers 3 users."));
    OpenAiAgent openAi = (OpenAiAgent) AgentProcessors.create(vertx, OrchestratorConfig.from(new JsonObject()
      .put("processor", new JsonObject().put("type", "openai").put("url", chat.url).put("model", "m"))));
    try {
      offTheEventLoop(() -> {
        http.process(JOINED, context);
        openAi.process(JOINED, context);
      });
    } finally {
      agents.close();
    }
    JsonArray expectedHistory = new JsonArray();
    history.forEach(entry -> expectedHistory.add(entry.toJson()));
    assertThat(seen).singleElement().satisfies(request -> {
      assertThat(request.getJsonArray("history")).isEqualTo(expectedHistory);
      assertThat(request.getJsonArray("messages")).hasSize(3);
    });
    assertThat(chat.requests.getFirst().body().getJsonArray("messages")).containsExactly(
      new JsonObject().put("role", "user").put("content", "hello"),
      new JsonObject().put("role", "assistant").put("content", "hi! how can I help?"),
      new JsonObject().put("role", "user").put("content", "hi"),
      new JsonObject().put("role", "user").put("content", "I want the premium plan"),
      new JsonObject().put("role", "user").put("content", "for 3 users?"));
  }
}
