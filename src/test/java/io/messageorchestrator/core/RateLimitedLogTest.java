package io.messageorchestrator.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitedLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-log-test-" + System.nanoTime());
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private final AtomicLong nanos = new AtomicLong(1_000);

  @BeforeEach
  void capture() {
    captured.start();
    logger.addAppender(captured);
    logger.setLevel(Level.WARN);
  }

  @AfterEach
  void release() {
    logger.detachAppender(captured);
  }

  @Test
  @DisplayName("a flood gives one WARN line per interval; the next line counts the suppressed ones")
  void oneLinePerIntervalWithTheSuppressedCount() {
    RateLimitedLog log = new RateLimitedLog(logger, 1_000, nanos::get);
    for (int i = 0; i < 50; i++) {
      log.warn("Agent failed for contact {}: {}", "c" + i, "boom");
    }
    nanos.addAndGet(999_000_000);
    log.warn("Agent failed for contact {}: {}", "late", "boom");
    assertThat(captured.list).extracting(ILoggingEvent::getFormattedMessage)
      .containsExactly("Agent failed for contact c0: boom");

    nanos.addAndGet(1_000_000);
    log.warn("Agent failed for contact {}: {}", "next", "boom");
    log.warn("Agent failed for contact {}: {}", "again", "boom");
    nanos.addAndGet(1_000_000_000);
    log.warn("Agent failed for contact {}: {}", "quiet", "boom");
    assertThat(captured.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
      "Agent failed for contact c0: boom",
      "Agent failed for contact next: boom (50 similar suppressed)",
      "Agent failed for contact quiet: boom (1 similar suppressed)");
    assertThat(captured.list).extracting(ILoggingEvent::getLevel).containsOnly(Level.WARN);
  }

  @Test
  @DisplayName("a trailing exception is still logged as the line's throwable")
  void keepsTheThrowable() {
    RateLimitedLog log = new RateLimitedLog(logger, 1_000, nanos::get);
    log.warn("first");
    nanos.addAndGet(2_000_000_000L);
    log.warn("failed for {}", "c1", new IllegalStateException("boom"));
    assertThat(captured.list).hasSize(2);
    assertThat(captured.list.get(1).getFormattedMessage()).isEqualTo("failed for c1");
    assertThat(captured.list.get(1).getThrowableProxy().getMessage()).isEqualTo("boom");
  }
}
