package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * H5: the server speaks HTTP/1.1 only (no h2c), media types are compared case-insensitively, a charset other than
 * UTF-8 is refused, and text with a lone surrogate escape is refused.
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
@SuiteConfig(http = true)
class HttpProtocolTest {
  private static final String WEBHOOK_BODY = "{\"from\":\"5511000000002\",\"body\":\"hi\"}";

  private TestAgent agent;
  private OrchestratorSuite suite;
  private WebClient web;

  @BeforeEach
  void start(Vertx vertx, OrchestratorSuite suite, TestAgent agent) {
    this.suite = suite;
    this.agent = agent;
    web = WebClient.create(vertx);
  }

  private HttpResponse<Buffer> post(String path, String contentType, byte[] body) {
    return Await.result(web.post(suite.httpPort(), WebhookHttp.HOST, path).putHeader("Content-Type", contentType)
      .sendBuffer(Buffer.buffer(body)));
  }

  private static byte[] body(String path) {
    return switch (path) {
      case "/webhook" -> WEBHOOK_BODY.getBytes(StandardCharsets.UTF_8);
      case WebhookRoutes.WHATSAPP_PATH -> fixture("meta-cloud-inbound-text.json");
      default -> fixture("evolution-messages-upsert-conversation.json");
    };
  }

  @Test
  @DisplayName("an HTTP/2 prior-knowledge preface is not served as HTTP/2: an HTTP/1 error, connection closed")
  void noH2cPriorKnowledge() throws IOException {
    String received = RawHttp.exchangeUntilClosed(suite.httpPort(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    // An HTTP/2 server would answer with a binary SETTINGS frame; this one answers a textual HTTP/1 error.
    assertThat(received).as(received).matches("(?s)HTTP/\\d\\.\\d [45]\\d\\d .*");
  }

  @Test
  @DisplayName("Upgrade: h2c is ignored: the request and the next one are answered over HTTP/1.1, no 101")
  void noH2cUpgrade() throws IOException {
    String received = RawHttp.exchangeUntilClosed(suite.httpPort(), "GET /health/live HTTP/1.1\r\nHost: x\r\n"
      + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
      + "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(RawHttp.statuses(received)).as(received).containsExactly(200, 200);
    assertThat(received).doesNotContainIgnoringCase("upgrade: h2c");
  }

  @ParameterizedTest(name = "[{index}] {0} with {1}")
  @CsvSource(delimiter = '|', value = {
    "/webhook           | APPLICATION/JSON                 | 200",
    "/webhook           | Application/Json; Charset=UTF-8  | 200",
    "/webhook           | application/json; charset=utf-16 | 415",
    "/webhook           | application/json;charset=latin1  | 415",
    "/webhook/whatsapp  | APPLICATION/JSON                 | 200",
    "/webhook/whatsapp  | application/json; charset=UTF-16 | 415",
    "/webhook/evolution | Application/JSON; charset=utf-8  | 200",
    "/webhook/evolution | application/json; charset=utf-16 | 415",
  })
  @DisplayName("media types are case-insensitive; a charset other than UTF-8 is 415")
  void mediaTypes(String path, String contentType, int status) {
    HttpResponse<Buffer> response = post(path, contentType, body(path));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    if (status == 415) {
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("unsupported_media_type");
    }
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', value = {
    "/webhook           | hi",
    "/webhook/whatsapp  | Does it come in another color?",
    "/webhook/evolution | ",
  })
  @DisplayName("a lone surrogate escape in any string or key is 400 invalid_encoding, never processed")
  void loneSurrogate(String path, String textToReplace) {
    String valid = new String(body(path), StandardCharsets.UTF_8);
    String text = textToReplace != null ? textToReplace : new JsonObject(valid).getJsonObject("data")
      .getJsonObject("message").getString("conversation");
    String withSurrogate = valid.replace(text, "bad \\ud800 text");
    assertThat(withSurrogate).isNotEqualTo(valid);

    HttpResponse<Buffer> response = post(path, "application/json", withSurrogate.getBytes(StandardCharsets.UTF_8));
    HttpResponse<Buffer> badKey = post("/webhook", "application/json",
      "{\"from\":\"5511000000003\",\"body\":\"hi\",\"x\\udc00\":1}".getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_encoding");
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(agent.startedFor("5511000000003")).isEmpty();
  }

  @Test
  @DisplayName("a surrogate pair escape (an emoji) is text like any other")
  void surrogatePairAccepted() {
    HttpResponse<Buffer> response = post("/webhook", "application/json",
      "{\"from\":\"5511000000004\",\"body\":\"\\ud83d\\ude00\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("response")).isEqualTo("re:\uD83D\uDE00");
  }
}
