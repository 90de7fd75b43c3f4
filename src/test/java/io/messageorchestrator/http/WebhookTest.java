package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.orchestrator.Outcome;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.messageorchestrator.http.WebhookHttp.isJson;
import static io.messageorchestrator.http.WebhookHttp.postJson;
import static io.messageorchestrator.http.WebhookHttp.postRaw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

@ExtendWith({VertxExtension.class, SuiteExtension.class})
// As WebhookHttp.config: four shards, one HTTP instance on loopback, small bodies; the built-in echo agent.
@SuiteConfig(value = {"shards=4", "shutdownGracePeriod=1000", "http.instances=1", "http.maxBodySize=1024"},
  http = true, configuredProcessor = true)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
@DisplayName("POST /webhook")
class WebhookTest {
  private OrchestratorSuite suite;
  private WebClient web;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx, OrchestratorSuite suite) {
    web = WebClient.create(vertx);
    this.suite = suite;
    port = suite.httpPort();
  }

  @AfterEach
  void closeClient() {
    web.close();
  }

  /** Subscribes to the first {@code messageProcessed} event and completes once the subscription is active. */
  private Future<Future<JsonObject>> firstProcessedEvent() {
    Promise<JsonObject> event = Promise.promise();
    MessageConsumer<JsonObject> consumer = suite.client().on(Events.MESSAGE_PROCESSED, event::tryComplete);
    return consumer.completion().map(v -> event.future());
  }

  @Test
  @DisplayName("the original's {from, body} form is processed, echoed, and its phone number normalised")
  void originalFormIsProcessed(VertxTestContext testContext) {
    firstProcessedEvent().onComplete(testContext.succeeding(processedEvent -> {
      Future<HttpResponse<Buffer>> answer = postJson(web, port,
        new JsonObject().put("from", "+55 (11) 99999-0000").put("body", "hi"));
      Future.all(answer, processedEvent).onComplete(testContext.succeeding(all -> testContext.verify(() -> {
        HttpResponse<Buffer> response = answer.result();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(isJson(response)).isTrue();
        JsonObject result = response.bodyAsJsonObject();
        assertThat(result.getString("status")).isEqualTo("processed");
        assertThat(result.getBoolean("success")).isTrue();
        assertThat(result.getString("response")).isEqualTo("hi");
        assertThat(result.getString("processId")).isNotBlank();

        JsonObject event = processedEvent.result();
        assertThat(event.getString("contactId")).isEqualTo("5511999990000");
        assertThat(event.getString("processId")).isEqualTo(result.getString("processId"));
        assertThat(event.getString("outcome")).isEqualTo("processed");
        assertThat(event.getJsonObject("message").getString("text")).isEqualTo("hi");
        testContext.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("the full {contactId, message{text, messageId}} form is processed and keeps a non-phone id as is")
  void fullFormIsProcessed(VertxTestContext testContext) {
    firstProcessedEvent().onComplete(testContext.succeeding(processedEvent -> {
      Future<HttpResponse<Buffer>> answer = postJson(web, port, new JsonObject().put("contactId", "user-42@chat")
        .put("message", new JsonObject().put("text", "hello there").put("messageId", "wamid.1")));
      Future.all(answer, processedEvent).onComplete(testContext.succeeding(all -> testContext.verify(() -> {
        assertThat(answer.result().statusCode()).isEqualTo(200);
        JsonObject result = answer.result().bodyAsJsonObject();
        assertThat(result.getString("status")).isEqualTo("processed");
        assertThat(result.getString("response")).isEqualTo("hello there");
        assertThat(result.containsKey("duplicate")).isFalse();

        JsonObject event = processedEvent.result();
        assertThat(event.getString("contactId")).isEqualTo("user-42@chat");
        assertThat(event.getString("messageId")).isEqualTo("wamid.1");
        testContext.completeNow();
      })));
    }));
  }

  @Test
  @DisplayName("a contactId of exactly 128 characters is accepted")
  void contactIdAtLengthLimitIsAccepted(VertxTestContext testContext) {
    postJson(web, port, new JsonObject().put("contactId", "c".repeat(128))
      .put("message", new JsonObject().put("text", "edge")))
      .onComplete(testContext.succeeding(response -> testContext.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("processed");
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("the same messageId delivered twice is answered as a duplicate and processed once")
  void sameMessageIdTwiceIsDuplicate(VertxTestContext testContext) {
    JsonObject delivery = new JsonObject().put("contactId", "dup-contact")
      .put("message", new JsonObject().put("text", "once").put("messageId", "msg-1"));
    postJson(web, port, delivery)
      .compose(first -> postJson(web, port, delivery).map(second -> java.util.List.of(first, second)))
      .onComplete(testContext.succeeding(both -> testContext.verify(() -> {
        assertThat(both.get(0).statusCode()).isEqualTo(200);
        assertThat(both.get(0).bodyAsJsonObject().getString("status")).isEqualTo("processed");
        assertThat(both.get(0).bodyAsJsonObject().containsKey("duplicate")).isFalse();
        assertThat(both.get(1).statusCode()).isEqualTo(200);
        JsonObject second = both.get(1).bodyAsJsonObject();
        assertThat(second.getBoolean("duplicate")).isTrue();
        assertThat(second.getString("status")).isEqualTo("duplicate");
        assertThat(suite.metrics().count(Outcome.PROCESSED)).isEqualTo(1);
        testContext.completeNow();
      })));
  }

  static Stream<Arguments> invalidRequests() {
    JsonObject text = new JsonObject().put("text", "hi");
    return Stream.of(
      arguments("malformed JSON", "{\"from\": \"5511\", \"body\": ", null),
      arguments("a JSON array", "[{\"from\": \"5511\", \"body\": \"hi\"}]", null),
      arguments("a JSON string", "\"hi\"", null),
      arguments("JSON null", "null", null),
      arguments("an empty body", "", null),
      arguments("missing from", new JsonObject().put("body", "hi").encode(), "from"),
      arguments("from of the wrong type", new JsonObject().put("from", true).put("body", "hi").encode(), "from"),
      arguments("missing body", new JsonObject().put("from", "+55 11 99999-0000").encode(), "body"),
      arguments("body of the wrong type (number)", new JsonObject().put("from", "5511").put("body", 42).encode(),
        "body"),
      arguments("body of the wrong type (object)",
        new JsonObject().put("from", "5511").put("body", new JsonObject().put("text", "hi")).encode(), "body"),
      arguments("contactId longer than 128 characters",
        new JsonObject().put("contactId", "c".repeat(129)).put("message", text).encode(), "contactId"),
      arguments("contactId with a control character",
        new JsonObject().put("contactId", "abc\u0007def").put("message", text).encode(), "contactId"),
      arguments("contactId with a newline",
        new JsonObject().put("contactId", "abc\ndef").put("message", text).encode(), "contactId"),
      arguments("empty contactId", new JsonObject().put("contactId", "").put("message", text).encode(), "contactId"),
      arguments("null contactId", new JsonObject().putNull("contactId").put("message", text).encode(), "contactId"),
      arguments("contactId of the wrong type", new JsonObject().put("contactId", 12).put("message", text).encode(),
        "contactId"),
      arguments("message missing in the full form", new JsonObject().put("contactId", "c1").encode(), "message"),
      arguments("message.text missing", new JsonObject().put("contactId", "c1")
        .put("message", new JsonObject().put("messageId", "m")).encode(), "message.text"),
      arguments("message.text of the wrong type", new JsonObject().put("contactId", "c1")
        .put("message", new JsonObject().put("text", 5)).encode(), "message.text"));
  }

  @ParameterizedTest(name = "{0} → 400")
  @MethodSource("invalidRequests")
  @DisplayName("a client's mistake is a 400 with a JSON {error, message} naming the field, never a 5xx")
  void invalidRequestIsBadRequest(String name, String body, String field, VertxTestContext testContext) {
    postRaw(web, port, "/webhook", body).onComplete(testContext.succeeding(response -> testContext.verify(() -> {
      assertThat(response.statusCode()).as(name + ": " + response.bodyAsString()).isEqualTo(400);
      assertThat(isJson(response)).as(name).isTrue();
      JsonObject error = response.bodyAsJsonObject();
      assertThat(error.getString("error")).as(name).isNotBlank();
      assertThat(error.getString("message")).as(name).isNotBlank();
      if (field != null) {
        assertThat(error.getString("field")).as(name).isEqualTo(field);
        assertThat(error.getString("message")).as(name).contains(field);
      }
      assertThat(suite.metrics().receivedCount()).as("nothing reached the orchestrator").isZero();
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("a body over http.maxBodySize is a 413 with a JSON error")
  void oversizedBodyIsPayloadTooLarge(VertxTestContext testContext) {
    String body = new JsonObject().put("from", "5511").put("body", "x".repeat(2_048)).encode();
    postRaw(web, port, "/webhook", body).onComplete(testContext.succeeding(response -> testContext.verify(() -> {
      assertThat(response.statusCode()).isEqualTo(413);
      assertThat(isJson(response)).isTrue();
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
      assertThat(response.bodyAsJsonObject().getString("message")).contains("maxBodySize");
      assertThat(suite.metrics().receivedCount()).isZero();
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("a body just under http.maxBodySize is accepted")
  void bodyUnderLimitIsAccepted(VertxTestContext testContext) {
    String body = new JsonObject().put("from", "5511").put("body", "x".repeat(900)).encode();
    postRaw(web, port, "/webhook", body).onComplete(testContext.succeeding(response -> testContext.verify(() -> {
      assertThat(body.length()).isLessThan(1_024);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getString("response")).hasSize(900);
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("a JSON body sent with a non-JSON Content-Type is a 4xx with a JSON error, never a 5xx")
  void wrongContentTypeIsClientError(VertxTestContext testContext) {
    web.post(port, WebhookHttp.HOST, "/webhook").putHeader("Content-Type", "text/plain")
      .sendBuffer(Buffer.buffer(new JsonObject().put("from", "5511").put("body", "hi").encode()))
      .onComplete(testContext.succeeding(response -> testContext.verify(() -> {
        assertThat(response.statusCode()).isBetween(400, 499);
        assertThat(isJson(response)).isTrue();
        assertThat(response.bodyAsJsonObject().getString("error")).isNotBlank();
        testContext.completeNow();
      })));
  }
}
