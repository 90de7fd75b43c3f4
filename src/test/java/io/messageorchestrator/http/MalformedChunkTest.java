package io.messageorchestrator.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** H2: a chunk size Netty cannot parse gets a 400 and a closed connection, and floods cost a few log lines. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
@SuiteConfig(http = true)
class MalformedChunkTest {
  private static final String BAD_CHUNK = "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff1\r\n{}\r\n0\r\n\r\n";

  private OrchestratorSuite suite;

  @BeforeEach
  void start(OrchestratorSuite suite) {
    this.suite = suite;
  }

  @Test
  @DisplayName("an overflowing chunk size is answered 400 and the connection is closed")
  void answered400() throws IOException {
    String received = RawHttp.exchangeUntilClosed(suite.httpPort(), BAD_CHUNK);

    assertThat(RawHttp.statuses(received)).as(received).containsExactly(400);
    assertThat(received).contains("malformed request body");
  }

  @Test
  @DisplayName("50 such requests write a few WARN lines in all, none with a stack trace")
  void boundedLogging() throws IOException {
    List<ILoggingEvent> lines;
    try (LogCapture all = LogCapture.of(Logger.ROOT_LOGGER_NAME, Level.WARN)) {
      for (int i = 0; i < 50; i++) {
        assertThat(RawHttp.statuses(RawHttp.exchangeUntilClosed(suite.httpPort(), BAD_CHUNK))).containsExactly(400);
      }
      lines = all.lines();
    }

    // One line per 10 s per HTTP instance: a handful even if this machine is slowed down by other suites.
    assertThat(lines).as("%s", lines).isNotEmpty().hasSizeLessThanOrEqualTo(6);
    assertThat(lines).allSatisfy(line -> {
      assertThat(line.getLevel()).isEqualTo(Level.WARN);
      assertThat(line.getThrowableProxy()).isNull();
      assertThat(line.getFormattedMessage()).contains("Malformed HTTP request");
    });
  }
}
