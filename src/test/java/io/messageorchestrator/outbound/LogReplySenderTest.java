package io.messageorchestrator.outbound;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the default {@code log} reply sender writes: personal data stays out of INFO. */
class LogReplySenderTest {
  private static final String PHONE = "5511999990000";
  private static final String TEXT = "your order 4711 ships to Rua Augusta 12";

  private final Logger logger = (Logger) LoggerFactory.getLogger(LogReplySender.class);
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private Level levelBefore;

  @BeforeEach
  void capture() {
    levelBefore = logger.getLevel();
    captured.start();
    logger.addAppender(captured);
  }

  @AfterEach
  void release() {
    logger.detachAppender(captured);
    logger.setLevel(levelBefore);
  }

  @Test
  @DisplayName("at INFO a reply is logged with the number masked to its last 4 digits and without its text")
  void infoMasksTheNumberAndOmitsTheText() {
    logger.setLevel(Level.INFO);
    new LogReplySender().send(reply()).await();
    List<String> lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("*********0000").contains("p-1").doesNotContain(PHONE).doesNotContain(TEXT);
    assertThat(captured.list.get(0).getLevel()).isEqualTo(Level.INFO);
  }

  @Test
  @DisplayName("at DEBUG the text is logged too, still with the number masked")
  void debugAddsTheText() {
    logger.setLevel(Level.DEBUG);
    new LogReplySender().send(reply()).await();
    assertThat(captured.list).singleElement().satisfies(event -> {
      assertThat(event.getLevel()).isEqualTo(Level.DEBUG);
      assertThat(event.getFormattedMessage()).contains(TEXT).contains("*********0000").doesNotContain(PHONE);
    });
  }

  private static OutboundReply reply() {
    return new OutboundReply(PHONE, "p-1", "m-1", "processed", TEXT, false, new JsonObject());
  }
}
