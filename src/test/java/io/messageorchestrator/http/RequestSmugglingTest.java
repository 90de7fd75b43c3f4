package io.messageorchestrator.http;

import ch.qos.logback.classic.Level;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * H1: a request whose body length is ambiguous (RFC 9112 §6.1) is answered 400/501 and its connection closed; the
 * bytes after its body never run as a second request. Raw sockets: an HTTP client would not send such requests.
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
@SuiteConfig(http = true)
@DisplayName("request smuggling: Content-Length + Transfer-Encoding and unknown transfer codings")
class RequestSmugglingTest {
  private static final String BODY = "{\"from\":\"5511000000001\",\"body\":\"front\"}";
  /** Would be answered (404) if it ran; asks the server to close afterwards, so a vulnerable server ends too. */
  private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

  private TestAgent agent;
  private OrchestratorSuite suite;

  @BeforeEach
  void start(OrchestratorSuite suite, TestAgent agent) {
    this.suite = suite;
    this.agent = agent;
  }

  private static String chunked(String body) {
    return Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
  }

  private static String post(String framingHeaders, String body) {
    return "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framingHeaders + "\r\n" + body;
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', value = {
    "Transfer-Encoding: chunked                                 | 400",
    "Transfer-Encoding: CHUNKED                                 | 400",
    "Transfer-Encoding: xchunked                                | 400",
    "Transfer-Encoding: chunked, identity                       | 400",
    "Transfer-Encoding: identity                                | 400",
    "Transfer-Encoding:\tchunked                                | 400",
    "Transfer-Encoding:<CRLF> chunked                           | 400",
    "Transfer-Encoding: chunked<CRLF>Transfer-Encoding: chunked | 400",
  })
  @DisplayName("Content-Length with any Transfer-Encoding (<CRLF>: a line break, e.g. a folded header): one 400, "
    + "connection closed, nothing else runs")
  void contentLengthWithTransferEncoding(String transferEncoding, int status) throws IOException {
    String chunkedBody = chunked(BODY);
    String request = post("Content-Length: " + chunkedBody.length() + "\r\n" + transferEncoding.strip().replace("<CRLF>", "\r\n") + "\r\n",
      chunkedBody) + SMUGGLED;

    String received = RawHttp.exchangeUntilClosed(suite.httpPort(), request);

    assertThat(RawHttp.statuses(received)).as(received).containsExactly(status);
    assertThat(received).contains("Content-Length and Transfer-Encoding");
    assertThat(agent.startedFor("5511000000001")).isEmpty();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', value = {
    "xchunked          | 501",
    "gzip              | 501",
    "identity          | 501",
    "chunked, identity | 400",
    "gzip, chunked     | 400",
    "chunked,<CRLF> identity | 400",
    "chunked<CRLF>Transfer-Encoding: identity | 400",
    "identity<CRLF>\tchunked | 501",
  })
  @DisplayName("a Transfer-Encoding other than 'chunked' alone (<CRLF>: a line break; folded or repeated lines "
    + "count as one list): one 400/501, connection closed, nothing else runs")
  void otherTransferEncodings(String transferEncoding, int status) throws IOException {
    String request = post("Transfer-Encoding: " + transferEncoding.replace("<CRLF>", "\r\n") + "\r\n",
      chunked(BODY)) + SMUGGLED;

    String received = RawHttp.exchangeUntilClosed(suite.httpPort(), request);

    assertThat(RawHttp.statuses(received)).as(received).containsExactly(status);
    assertThat(agent.startedFor("5511000000001")).isEmpty();
  }

  @Test
  @DisplayName("every connection gets the strict request decoder: a Vert.x upgrade that breaks the swap fails here, "
    + "by name, not only through the Content-Length + chunked cases")
  void strictDecoderIsInstalled() throws IOException {
    try (LogCapture log = LogCapture.of(RequestFraming.class.getName(), Level.WARN)) {
      String received = RawHttp.exchangeUntilClosed(suite.httpPort(), SMUGGLED);

      assertThat(RawHttp.statuses(received)).as(received).containsExactly(404);
      assertThat(log.lines()).noneMatch(line -> line.getFormattedMessage()
        .contains(RequestFraming.STRICT_DECODER_MISSING));
    }
  }

  @Test
  @DisplayName("plain chunked bodies still work, and a request pipelined after one is served")
  void plainChunkedStillWorks() throws IOException {
    String request = post("Transfer-Encoding: chunked\r\n", chunked(BODY)) + SMUGGLED;

    String received = RawHttp.exchangeUntilClosed(suite.httpPort(), request);

    assertThat(RawHttp.statuses(received)).as(received).containsExactly(200, 404);
    assertThat(agent.startedFor("5511000000001")).containsExactly("front");
  }
}
