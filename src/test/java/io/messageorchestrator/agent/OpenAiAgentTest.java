package io.messageorchestrator.agent;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * V5: {@code processor.type=openai} against a fake OpenAI-compatible server on loopback (vertx-web on a random port,
 * no network): the request's shape, the reply, which failures are retryable, the deadline as timeout, the handoff
 * marker, and the system prompt from a file.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class OpenAiAgentTest {
  private static final String API_KEY = "sk-test-4c1d9e7a";
  private static final String PROMPT = "You are the sales assistant of Acme. Answer in the customer's language.";

  /** One request the fake server received. */
  record Seen(String path, MultiMap headers, JsonObject body) {
  }

  /** A chat-completions server: records each request, then lets {@code answer} respond (or not). */
  static final class FakeChatServer {
    final List<Seen> requests = new CopyOnWriteArrayList<>();
    final String url;

    FakeChatServer(Vertx vertx, Consumer<RoutingContext> answer) {
      Router router = Router.router(vertx);
      router.route().handler(BodyHandler.create());
      router.route().handler(context -> {
        requests.add(new Seen(context.request().path(),
          MultiMap.caseInsensitiveMultiMap().addAll(context.request().headers()), context.body().asJsonObject()));
        answer.accept(context);
      });
      HttpServer server = Await.result(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
      url = "http://127.0.0.1:" + server.actualPort();
    }

    static Consumer<RoutingContext> says(String content) {
      return context -> context.json(completion(content));
    }

    static Consumer<RoutingContext> status(int status) {
      return context -> context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", new JsonObject()
          .put("message", "Incorrect API key provided: " + API_KEY).put("type", "invalid_request_error")).encode());
    }
  }

  /** What OpenAI answers: {@code {id, object, choices: [{index, message: {role, content}, finish_reason}]}}. */
  static JsonObject completion(String content) {
    return new JsonObject().put("id", "chatcmpl-1").put("object", "chat.completion")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
        .put("message", new JsonObject().put("role", "assistant").put("content", content))));
  }

  private static JsonObject openai(String url) {
    return new JsonObject().put("type", "openai").put("url", url).put("model", "gpt-4o-mini")
      .put("apiKey", API_KEY).put("systemPrompt", PROMPT);
  }

  private static OpenAiAgent agent(Vertx vertx, JsonObject processor) {
    return (OpenAiAgent) AgentProcessors.create(vertx,
      OrchestratorConfig.from(new JsonObject().put("processor", processor)));
  }

  private static AgentReply call(OpenAiAgent agent, String text) throws Exception {
    return agent.process(InboundMessage.text(text), ProcessingContext.withTimeout("5511999990000", "p-1",
      Duration.ofSeconds(5)));
  }

  private static boolean retryable(Throwable failure) {
    return !(failure instanceof AgentCallException call) || call.retryable();
  }

  // ---------------------------------------------------------------- request and reply

  @Test
  @DisplayName("POST {url}/v1/chat/completions, JSON, bearer apiKey, the model, the system prompt first and the user's text last; the reply is choices[0].message.content")
  void requestShapeAndReply(Vertx vertx) throws Exception {
    FakeChatServer server = new FakeChatServer(vertx, FakeChatServer.says("Yes, the premium plan covers 3 users."));
    OpenAiAgent agent = agent(vertx, openai(server.url + "/"));

    AgentReply reply = call(agent, "I want the premium plan, for 3 users?");

    assertThat(reply.response()).isEqualTo("Yes, the premium plan covers 3 users.");
    assertThat(reply.handoff()).isFalse();
    Seen request = server.requests.get(0);
    assertThat(request.path()).isEqualTo("/v1/chat/completions");
    assertThat(request.headers().get("Authorization")).isEqualTo("Bearer " + API_KEY);
    assertThat(request.headers().get("Content-Type")).startsWith("application/json");
    assertThat(request.body().getString("model")).isEqualTo("gpt-4o-mini");
    JsonArray messages = request.body().getJsonArray("messages");
    assertThat(messages.getJsonObject(0)).isEqualTo(new JsonObject().put("role", "system").put("content", PROMPT));
    assertThat(messages.getJsonObject(messages.size() - 1)).isEqualTo(new JsonObject().put("role", "user")
      .put("content", "I want the premium plan, for 3 users?"));
    assertThat(messages).hasSize(2);
  }

  @Test
  @DisplayName("without apiKey no Authorization header is sent (Ollama), without systemPrompt no system message; a base path in url is kept")
  void optionalKeyAndPrompt(Vertx vertx) throws Exception {
    FakeChatServer server = new FakeChatServer(vertx, FakeChatServer.says("hi"));
    OpenAiAgent agent = agent(vertx, new JsonObject().put("type", "openai").put("url", server.url + "/openai")
      .put("model", "llama3.2"));

    call(agent, "hello");

    Seen request = server.requests.get(0);
    assertThat(request.path()).isEqualTo("/openai/v1/chat/completions");
    assertThat(request.headers().get("Authorization")).isNull();
    assertThat(request.body().getJsonArray("messages")).containsExactly(new JsonObject().put("role", "user")
      .put("content", "hello"));
  }

  @Test
  @DisplayName("V4: the conversation's history goes to the server as prior chat messages, between the system prompt"
    + " and the user's message, oldest first")
  void historyIsSentAsPriorMessages(Vertx vertx) throws Exception {
    FakeChatServer server = new FakeChatServer(vertx, FakeChatServer.says("Three users are fine."));
    OpenAiAgent agent = agent(vertx, openai(server.url));

    agent.process(InboundMessage.text("for 3 users?"), HistoryPayloadTest.context(HistoryPayloadTest.HISTORY));

    assertThat(server.requests.get(0).body().getJsonArray("messages")).containsExactly(
      new JsonObject().put("role", "system").put("content", PROMPT),
      new JsonObject().put("role", "user").put("content", "hi"),
      new JsonObject().put("role", "assistant").put("content", "hello! how can I help?"),
      new JsonObject().put("role", "user").put("content", "for 3 users?"));
  }

  @Test
  @DisplayName("the request builder puts the conversation history between the system prompt and the user's message")
  void historySlotsInBetween() {
    JsonObject body = OpenAiAgent.requestBody("m", "system text", List.of(
      new OpenAiAgent.ChatMessage("user", "hi"), new OpenAiAgent.ChatMessage("assistant", "hello!")), "and now?");

    assertThat(body.getJsonArray("messages")).extracting(m -> ((JsonObject) m).getString("role") + ":"
      + ((JsonObject) m).getString("content"))
      .containsExactly("system:system text", "user:hi", "assistant:hello!", "user:and now?");
  }

  @Test
  @DisplayName("a message without text (media) is sent as a description of its type, never as an empty user message")
  void mediaMessageIsDescribed() {
    assertThat(OpenAiAgent.userText(new InboundMessage("", "m-1", "image", 0, null)))
      .isEqualTo("[the user sent a message of type image, without text]");
    assertThat(OpenAiAgent.userText(InboundMessage.text("hi"))).isEqualTo("hi");
  }

  // ---------------------------------------------------------------- failures

  @ParameterizedTest(name = "HTTP {0} is retryable")
  @ValueSource(ints = {408, 429, 500, 502, 503, 504})
  @DisplayName("408, 429 and 5xx are retryable failures")
  void retryableStatuses(int status, Vertx vertx) {
    FakeChatServer server = new FakeChatServer(vertx, FakeChatServer.status(status));

    Throwable failure = catchThrowable(() -> call(agent(vertx, openai(server.url)), "hi"));

    assertThat(failure).isInstanceOfAny(AgentCallException.class, AgentUnavailableException.class)
      .hasMessageContaining("HTTP " + status).hasMessageNotContaining(API_KEY);
    assertThat(retryable(failure)).isTrue();
  }

  @ParameterizedTest(name = "HTTP {0} is not retryable")
  @ValueSource(ints = {400, 401, 403, 404, 422})
  @DisplayName("other 4xx are non-retryable failures, and the server's message is kept with the key masked")
  void nonRetryableStatuses(int status, Vertx vertx) {
    FakeChatServer server = new FakeChatServer(vertx, FakeChatServer.status(status));

    Throwable failure = catchThrowable(() -> call(agent(vertx, openai(server.url)), "hi"));

    assertThat(failure).isInstanceOf(AgentCallException.class)
      .hasMessageContaining("HTTP " + status).hasMessageContaining("Incorrect API key provided: ***")
      .hasMessageNotContaining(API_KEY);
    assertThat(retryable(failure)).isFalse();
  }

  @Test
  @DisplayName("an answer without content (empty, missing choices, not JSON) is a clear non-retryable failure")
  void missingContentIsNonRetryable(Vertx vertx) {
    for (Consumer<RoutingContext> answer : List.<Consumer<RoutingContext>>of(FakeChatServer.says(""),
      FakeChatServer.says(" \n"), context -> context.json(new JsonObject().put("choices", new JsonArray())),
      context -> context.json(new JsonObject().put("choices", new JsonArray().add(new JsonObject()
        .put("message", new JsonObject().put("role", "assistant").putNull("content"))))),
      context -> context.response().end("<html>oops</html>"))) {
      FakeChatServer server = new FakeChatServer(vertx, answer);

      Throwable failure = catchThrowable(() -> call(agent(vertx, openai(server.url)), "hi"));

      assertThat(failure).isInstanceOf(AgentCallException.class).hasMessageContaining("chat completions answer");
      assertThat(retryable(failure)).isFalse();
    }
  }

  @Test
  @DisplayName("the call's timeout is the time left before the deadline: a server that never answers fails the call then, retryably")
  void timeoutIsTheTimeLeft(Vertx vertx) {
    FakeChatServer silent = new FakeChatServer(vertx, context -> { });
    OpenAiAgent agent = agent(vertx, openai(silent.url));

    for (long leftMs : new long[] {300, 1_200}) {
      long start = System.nanoTime();
      Throwable failure = catchThrowable(() -> agent.process(InboundMessage.text("hi"),
        ProcessingContext.withTimeout("c", "p-" + leftMs, Duration.ofMillis(leftMs))));
      long tookMs = (System.nanoTime() - start) / 1_000_000;

      assertThat(failure).isInstanceOf(AgentCallException.class);
      assertThat(retryable(failure)).isTrue();
      assertThat(tookMs).as("gave up after the %d ms left", leftMs).isBetween(leftMs - 20, leftMs + 1_500);
    }
  }

  @Test
  @DisplayName("a server that cannot be reached is a retryable failure (agent unavailable)")
  void unreachableIsRetryable(Vertx vertx) throws IOException {
    try (Socket reserved = new Socket()) {
      reserved.bind(new InetSocketAddress("127.0.0.1", 0)); // bound, never listening: connections are refused
      Throwable failure = catchThrowable(() -> call(agent(vertx,
        openai("http://127.0.0.1:" + reserved.getLocalPort())), "hi"));

      assertThat(failure).isInstanceOf(AgentUnavailableException.class);
    }
  }

  // ---------------------------------------------------------------- handoff

  @Test
  @DisplayName("with processor.handoffMarker, an answer containing it is sent without the marker and flagged for handoff")
  void handoffMarker(Vertx vertx) throws Exception {
    FakeChatServer server = new FakeChatServer(vertx,
      FakeChatServer.says("I'll ask a colleague to help you with the refund. [HANDOFF]"));

    AgentReply flagged = call(agent(vertx, openai(server.url).put("handoffMarker", "[HANDOFF]")), "refund!");
    AgentReply unmarked = call(agent(vertx, openai(server.url)), "refund!");

    assertThat(flagged.response()).isEqualTo("I'll ask a colleague to help you with the refund.");
    assertThat(flagged.handoff()).isTrue();
    assertThat(unmarked.response()).as("no marker configured: the text is the answer")
      .isEqualTo("I'll ask a colleague to help you with the refund. [HANDOFF]");
    assertThat(unmarked.handoff()).isFalse();
    assertThatThrownBy(() -> call(agent(vertx, openai(new FakeChatServer(vertx, FakeChatServer.says(" [HANDOFF] ")).url)
      .put("handoffMarker", "[HANDOFF]")), "x"))
      .as("a marker alone leaves nothing to send").isInstanceOf(AgentCallException.class)
      .satisfies(e -> assertThat(retryable(e)).isFalse());
  }

  // ---------------------------------------------------------------- configuration

  @Test
  @DisplayName("processor.systemPrompt '@path' is read from the file at start")
  void systemPromptFromFile(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("prompt.txt");
    Files.writeString(file, "You are Acme's assistant.\nBe brief.\n");
    FakeChatServer server = new FakeChatServer(vertx, FakeChatServer.says("ok"));

    call(agent(vertx, openai(server.url).put("systemPrompt", "@" + file)), "hi");

    assertThat(server.requests.get(0).body().getJsonArray("messages").getJsonObject(0))
      .isEqualTo(new JsonObject().put("role", "system").put("content", "You are Acme's assistant.\nBe brief."));
  }

  @Test
  @DisplayName("a systemPrompt file that does not exist stops start-up with a configuration error naming the key and the file")
  void missingPromptFileIsAConfigError(Vertx vertx, @TempDir Path dir) {
    Path missing = dir.resolve("no-such-prompt.txt");

    assertThatThrownBy(() -> agent(vertx, openai("http://127.0.0.1:1").put("systemPrompt", "@" + missing)))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'processor.systemPrompt'").hasMessageContaining("no-such-prompt.txt");
  }

  @Test
  @DisplayName("openai needs processor.model; processor.url defaults to https://api.openai.com; the apiKey is never printed")
  void configuration() {
    assertThatThrownBy(() -> OrchestratorConfig.from(new JsonObject().put("processor", new JsonObject()
      .put("type", "openai").put("apiKey", API_KEY))))
      .isInstanceOf(ConfigException.class).hasMessageContaining("'processor.model' must be set")
      .hasMessageNotContaining(API_KEY);
    OrchestratorConfig config = OrchestratorConfig.from(new JsonObject().put("processor", new JsonObject()
      .put("type", "openai").put("model", "gpt-4o-mini").put("apiKey", API_KEY)));

    assertThat(config.processor().url()).isEqualTo("https://api.openai.com");
    assertThat(config.processor().apiKey()).isEqualTo(API_KEY);
    assertThat(config.toString() + config.toStatsJson().encode()).doesNotContain(API_KEY);
  }

  // ---------------------------------------------------------------- through the orchestrator

  @Test
  @DisplayName("through the orchestrator: a 5xx is retried by the retry policy, a 4xx fails the message at its first attempt")
  void retryPolicyThroughTheOrchestrator(Vertx vertx) {
    FakeChatServer failing = new FakeChatServer(vertx, context -> {
      String text = context.body().asJsonObject().getJsonArray("messages").getJsonObject(1).getString("content");
      FakeChatServer.status(text.equals("server trouble") ? 500 : 400).accept(context);
    });
    JsonObject overrides = new JsonObject().put("lockTimeout", 0).put("processor", openai(failing.url))
      .put("retry", new JsonObject().put("maxAttempts", 3).put("initialBackoff", 1).put("maxBackoff", 5));
    OrchestratorSuite suite = Suites.start(vertx, overrides,
      AgentProcessors.create(vertx, OrchestratorConfig.from(Suites.baseConfig().mergeIn(overrides, true))));
    EventRecorder events = EventRecorder.attach(vertx);

    suite.client().processMessage("5511000000001", InboundMessage.text("server trouble"));
    suite.client().processMessage("5511000000002", InboundMessage.text("bad request"));
    List<JsonObject> deadLetters = events.awaitAll(Events.MESSAGE_DEAD_LETTERED, 2);
    List<JsonObject> processed = events.awaitAll(Events.MESSAGE_PROCESSED, 2);

    assertThat(processed).extracting(event -> event.getString("contactId") + " " + event.getString("outcome") + " "
      + event.getInteger("attempts"))
      .containsExactlyInAnyOrder("5511000000001 failed 3", "5511000000002 failed 1");
    assertThat(deadLetters).hasSize(2);
    assertThat(events.all(Events.ATTEMPT_FAILED)).extracting(event -> event.getString("contactId"))
      .containsOnly("5511000000001").hasSize(2);
    assertThat(failing.requests).hasSize(4);
  }

  @Test
  @DisplayName("through the orchestrator: the handoff flag is published with the reply (messageProcessed.handoff), the marker stripped")
  void handoffIsPublished(Vertx vertx) {
    FakeChatServer server = new FakeChatServer(vertx, FakeChatServer.says("A colleague will call you. [HANDOFF]"));
    JsonObject overrides = new JsonObject().put("processor", openai(server.url).put("handoffMarker", "[HANDOFF]"));
    OrchestratorSuite suite = Suites.start(vertx, overrides,
      AgentProcessors.create(vertx, OrchestratorConfig.from(Suites.baseConfig().mergeIn(overrides, true))));
    EventRecorder events = EventRecorder.attach(vertx);

    Await.result(suite.client().processMessage("5511000000003", InboundMessage.text("I want a human")));

    JsonObject processed = events.awaitAll(Events.MESSAGE_PROCESSED, 1).get(0);
    assertThat(processed.getString("response")).isEqualTo("A colleague will call you.");
    assertThat(processed.getBoolean("handoff")).isTrue();
  }
}
