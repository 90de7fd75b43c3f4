package io.messageorchestrator.agent;

import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.HistoryEntry;
import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The built-in OpenAI-compatible agent ({@code processor.type=openai}): POST {@code {processor.url}/v1/chat/completions}
 * (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, LiteLLM...) with {@code processor.model}, the bearer
 * {@code processor.apiKey}, and the messages built by {@link #requestBody}. The reply is
 * {@code choices[0].message.content}.
 *
 * <p>Failures: the call's timeout is the time left before the attempt's deadline; a timeout, a connection failure,
 * 408, 429 and 5xx are retryable (the retry policy, {@code retry.*}, decides; unreachable, 429, 502, 503, 504 also
 * count towards opening the agent circuit, as for the {@code http} agent); any other 4xx (a wrong key, an unknown
 * model, a request the server refuses) and an answer without content are not: the message fails at once.
 *
 * <p>With {@code processor.handoffMarker} set, an answer containing it asks for a human: the marker is removed from
 * the text and the reply is flagged ({@link AgentReply#handoff()}).
 */
public final class OpenAiAgent implements AgentProcessor {
  /** Appended to {@code processor.url}. */
  public static final String PATH = "/v1/chat/completions";
  private static final Set<Integer> UNAVAILABLE_STATUSES = Set.of(429, 502, 503, 504);
  private static final int MAX_ERROR_TEXT = 300;

  private final WebClient client;
  private final String endpoint;
  private final String model;
  private final String apiKey;
  private final String systemPrompt;
  private final String handoffMarker;

  /** @throws ConfigException when {@code processor.systemPrompt} names a file that cannot be read */
  public OpenAiAgent(Vertx vertx, OrchestratorConfig.Processor settings) {
    this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("message-orchestrator")
      .setKeepAlive(true).setFollowRedirects(false), new PoolOptions().setHttp1MaxSize(256));
    this.endpoint = settings.url() + PATH;
    this.model = settings.model();
    this.apiKey = settings.apiKey();
    this.systemPrompt = systemPrompt(settings.systemPrompt());
    this.handoffMarker = settings.handoffMarker();
  }

  /**
   * {@code processor.systemPrompt}: the text itself, or {@code @path} of a UTF-8 file holding it, read once (at
   * start). {@code null} stays {@code null} (no system message).
   */
  static String systemPrompt(String setting) {
    if (setting == null || !setting.startsWith("@")) {
      return setting;
    }
    Path file = Path.of(setting.substring(1).trim());
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      if (text.isBlank()) {
        throw new ConfigException("Invalid configuration: 'processor.systemPrompt' file '" + file + "' is empty");
      }
      return text.strip();
    } catch (IOException e) {
      throw new ConfigException("Invalid configuration: 'processor.systemPrompt' names file '" + file
        + "', which cannot be read (" + e.getClass().getSimpleName() + "; looked for " + file.toAbsolutePath()
        + "); give the prompt itself, or @ and the path of a UTF-8 text file");
    }
  }

  /** One message of a chat: {@code role} is {@code system}, {@code user} or {@code assistant}. */
  public record ChatMessage(String role, String content) {
    JsonObject toJson() {
      return new JsonObject().put("role", role).put("content", content);
    }
  }

  /**
   * The request: the system prompt first (if any), then {@code history} — the conversation so far, oldest first
   * (V4: {@link ProcessingContext#history()}) — then the user's message last.
   */
  static JsonObject requestBody(String model, String systemPrompt, List<ChatMessage> history, String userText) {
    return requestBody(model, systemPrompt, history, List.of(userText));
  }

  /** V1/V2: a coalesced call's fragments are consecutive user messages, in the order they were sent. */
  static JsonObject requestBody(String model, String systemPrompt, List<ChatMessage> history,
                                List<String> userTexts) {
    JsonArray messages = new JsonArray();
    if (systemPrompt != null) {
      messages.add(new ChatMessage("system", systemPrompt).toJson());
    }
    history.forEach(message -> messages.add(message.toJson()));
    userTexts.forEach(text -> messages.add(new ChatMessage("user", text).toJson()));
    return new JsonObject().put("model", model).put("messages", messages);
  }

  /** V4: the conversation's earlier messages and replies as prior chat messages, oldest first. */
  static List<ChatMessage> chatHistory(List<HistoryEntry> history) {
    return history.stream().map(entry -> new ChatMessage(
      HistoryEntry.ASSISTANT.equals(entry.role()) ? "assistant" : "user", entry.text())).toList();
  }

  /** The user's text; a message without text (media, location...) is described by its type. */
  static String userText(InboundMessage message) {
    String text = message.text();
    return text != null && !text.isBlank() ? text
      : "[the user sent a message of type " + (message.type() == null ? "unknown" : message.type())
        + ", without text]";
  }

  @Override
  public AgentReply process(InboundMessage message, ProcessingContext context) throws Exception {
    List<String> userTexts = context.messages().size() > 1
      ? context.messages().stream().map(OpenAiAgent::userText).toList() : List.of(userText(message));
    JsonObject body = requestBody(model, systemPrompt, chatHistory(context.history()), userTexts);
    long timeout = Math.max(1, context.remaining().toMillis());
    HttpRequest<Buffer> request = client.postAbs(endpoint).connectTimeout(timeout).timeout(timeout);
    if (apiKey != null) {
      request.bearerTokenAuthentication(apiKey);
    }
    HttpResponse<Buffer> response;
    try {
      response = Blocking.await(request.sendJsonObject(body), context.remaining());
    } catch (IOException | HttpClosedException unreachable) {
      throw new AgentUnavailableException("chat completions server unreachable: " + unreachable, unreachable);
    } catch (AgentCallException | InterruptedException e) {
      throw e;
    } catch (Exception timedOutOrBroken) {
      // The request timeout (time left before the deadline) and other transport failures: worth another attempt.
      throw new AgentCallException("chat completions call failed: " + timedOutOrBroken.getMessage());
    }
    int status = response.statusCode();
    if (UNAVAILABLE_STATUSES.contains(status)) {
      throw new AgentUnavailableException("chat completions server answered HTTP " + status + errorText(response));
    }
    if (status == 408 || status >= 500) {
      throw new AgentCallException("chat completions server answered HTTP " + status + errorText(response));
    }
    if (status / 100 != 2) {
      throw AgentCallException.nonRetryable("chat completions server refused the request: HTTP " + status
        + errorText(response));
    }
    return reply(content(response));
  }

  /** {@code choices[0].message.content}, non-blank, or a non-retryable failure saying what was missing. */
  private static String content(HttpResponse<Buffer> response) throws AgentCallException {
    JsonObject answer;
    try {
      answer = response.bodyAsJsonObject();
    } catch (DecodeException | ClassCastException e) {
      answer = null;
    }
    if (answer == null) {
      throw AgentCallException.nonRetryable("chat completions answer is not a JSON object");
    }
    Object content = null;
    if (answer.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
      && choices.getValue(0) instanceof JsonObject choice && choice.getValue("message") instanceof JsonObject said) {
      content = said.getValue("content");
    }
    if (!(content instanceof String text) || text.isBlank()) {
      throw AgentCallException.nonRetryable("chat completions answer has no text in choices[0].message.content");
    }
    return text;
  }

  /** The answer as a reply: the handoff marker, when present, is removed and flags the reply. */
  AgentReply reply(String content) throws AgentCallException {
    if (handoffMarker == null || !content.contains(handoffMarker)) {
      return AgentReply.of(content);
    }
    String text = content.replace(handoffMarker, "").strip();
    if (text.isEmpty()) {
      throw AgentCallException.nonRetryable("chat completions answer holds only the handoff marker: no text for"
        + " the contact");
    }
    return new AgentReply(text, null, true);
  }

  /** The server's error message, short, for the failure's text; a key it might echo is masked. */
  private String errorText(HttpResponse<Buffer> response) {
    Buffer body = response.body();
    if (body == null || body.length() == 0) {
      return "";
    }
    String text;
    try {
      JsonObject json = body.toJsonObject();
      text = json.getValue("error") instanceof JsonObject error && error.getValue("message") instanceof String message
        ? message : json.encode();
    } catch (DecodeException | ClassCastException e) {
      text = body.toString(StandardCharsets.UTF_8);
    }
    text = text.replaceAll("\\s+", " ");
    if (apiKey != null) {
      text = text.replace(apiKey, "***");
    }
    return ": " + (text.length() > MAX_ERROR_TEXT ? text.substring(0, MAX_ERROR_TEXT) + "…" : text);
  }

  @Override
  public void close() {
    client.close();
  }
}
