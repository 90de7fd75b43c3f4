package io.messageorchestrator.orchestrator;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * H25: agent failures and timeouts reach the log at WARN, with the contact masked, and a flood of them does not flood
 * the log. The statistics request after the outcomes is a barrier: the logging consumers run on the verticle that
 * answers it, and the events were queued there before the request.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class AgentFailureLogTest {
  private static final int FAILURES = 20;

  private final Logger logger = (Logger) LoggerFactory.getLogger(AgentFailureLog.class);
  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private OrchestratorSuite suite;

  @BeforeEach
  void capture() {
    captured.start();
    logger.addAppender(captured);
  }

  @AfterEach
  void release(VertxTestContext testContext) {
    logger.detachAppender(captured);
    Suites.stopIfStarted(suite, testContext);
  }

  @Test
  @DisplayName("a flood of agent failures gives a masked WARN line, not one line per failure; a timeout is logged too")
  void failuresAndTimeoutsAreLoggedRateLimited(Vertx vertx) {
    EventRecorder events = EventRecorder.attach(vertx);
    suite = Suites.start(vertx, new JsonObject().put("processingTimeout", 2_000).put("maxConcurrentContacts", 100),
      new TestAgent());
    for (int i = 0; i < FAILURES; i++) {
      suite.client().processMessage("55119999" + (10_000 + i), InboundMessage.text("fail"));
    }
    suite.client().processMessage("5511888880000", InboundMessage.text("hang"));
    Await.result(events.await(Events.PROCESSING_ERROR, FAILURES));
    Await.result(events.await(Events.PROCESSING_TIMEOUT, 1));
    Await.result(suite.client().getStats());

    List<ILoggingEvent> failures = lines("Agent failed");
    assertThat(failures).isNotEmpty().hasSizeLessThan(FAILURES);
    assertThat(failures).allSatisfy(line -> {
      assertThat(line.getLevel()).isEqualTo(Level.WARN);
      assertThat(line.getFormattedMessage()).contains("agent exploded").containsPattern("\\*{9}00\\d{2}")
        .doesNotContain("551199991");
    });
    assertThat(lines("Agent timed out")).singleElement().satisfies(line ->
      assertThat(line.getFormattedMessage()).contains("*********0000").doesNotContain("5511888880000"));
  }

  private List<ILoggingEvent> lines(String start) {
    return captured.list.stream().filter(line -> line.getFormattedMessage().startsWith(start)).toList();
  }
}
