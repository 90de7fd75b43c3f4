package io.messageorchestrator.core;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitedLogTest {

  @Test
  @DisplayName("a flood writes one line per interval; the next line counts the suppressed ones")
  void oneLinePerInterval() {
    LoggerContext context = new LoggerContext();
    Logger logger = context.getLogger("rate-limited-test");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.setContext(context);
    lines.start();
    logger.addAppender(lines);
    logger.setLevel(Level.WARN);
    AtomicLong now = new AtomicLong(1_000);
    RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), now::get);

    for (int i = 0; i < 1_000; i++) {
      log.warn("refused {}", i);
    }
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    log.warn("refused {}", "late");
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    log.warn("refused {}", "next interval");
    log.warn("refused {}", "again");

    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
      .containsExactly("refused 0", "refused next interval (1000 similar suppressed)");
    assertThat(lines.list).allSatisfy(line -> {
      assertThat(line.getLevel()).isEqualTo(Level.WARN);
      assertThat(line.getThrowableProxy()).isNull();
    });
  }
}
