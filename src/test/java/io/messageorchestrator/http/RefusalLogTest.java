package io.messageorchestrator.http;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;

/** H25: 429 refusals are logged at WARN, and a flood of them costs a bounded number of lines. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class RefusalLogTest {
  private static final int FLOOD = 40;
  /** The sender of the WhatsApp fixture. */
  private static final String CONTACT = "16505551234";
  /** The business number of the WhatsApp fixture: its conversation is (this account, CONTACT). */
  private static final String FIXTURE_ACCOUNT = "106540352242922";

  @Test
  @DisplayName("a flood of 429s on /webhook and /webhook/whatsapp writes at least one and only a few WARN lines each")
  @SuiteConfig(value = {"maxQueueSize=1", "lockTimeout=0"}, http = true)
  void refusalsAreLoggedRateLimited(Vertx vertx, OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    WebClient web = WebClient.create(vertx);
    try (LogCapture generic = LogCapture.of(HttpVerticle.class.getName(), Level.WARN);
         LogCapture providers = LogCapture.of(WebhookRoutes.class.getName(), Level.WARN)) {
      // Answered once the agent is done: not awaited.
      web.post(suite.httpPort(), "127.0.0.1", "/webhook")
        .sendJsonObject(new JsonObject().put("from", CONTACT).put("body", "block:g"));
      // The same contact writing to the fixture's business number is another conversation: fill it too.
      suite.client().submit(new ProcessRequest(FIXTURE_ACCOUNT, CONTACT, InboundMessage.text("block:g"), true, null));
      events.awaitAll(Events.LOCK_ACQUIRED, 2);
      assertThat(post(vertx, suite, new JsonObject().put("from", CONTACT).put("body", "fills the queue"))
        .statusCode()).isEqualTo(200);
      assertThat(Await.result(suite.client().submit(new ProcessRequest(FIXTURE_ACCOUNT, CONTACT,
        InboundMessage.text("fills its queue"), true, null))).status()).isEqualTo(ProcessResult.Status.ACCEPTED);

      for (int i = 0; i < FLOOD; i++) {
        assertThat(post(vertx, suite, new JsonObject().put("from", CONTACT).put("body", "too many " + i))
          .statusCode()).isEqualTo(429);
        assertThat(Await.result(web.post(suite.httpPort(), "127.0.0.1", WebhookRoutes.WHATSAPP_PATH)
          .putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer(fixture("meta-cloud-inbound-text.json")))).statusCode()).isEqualTo(429);
      }

      assertBoundedWarnLines(generic.lines());
      assertBoundedWarnLines(providers.lines());
    } finally {
      agent.open("g");
    }
  }

  /** One line per 10 s interval: a handful at most even on a machine slowed down by other suites. */
  private static void assertBoundedWarnLines(List<ILoggingEvent> lines) {
    assertThat(lines).isNotEmpty().hasSizeLessThan(FLOOD / 4);
    assertThat(lines).allSatisfy(line -> {
      assertThat(line.getLevel()).isEqualTo(Level.WARN);
      assertThat(line.getFormattedMessage()).contains("429").doesNotContain(CONTACT);
      assertThat(line.getThrowableProxy()).isNull();
    });
  }

  private static HttpResponse<Buffer> post(Vertx vertx, OrchestratorSuite suite, JsonObject body) {
    return Await.result(WebClient.create(vertx).post(suite.httpPort(), "127.0.0.1", "/webhook")
      .sendJsonObject(body));
  }
}
