package io.messageorchestrator.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * H6: an {@code /admin/events} client that stops reading is disconnected once its pending bytes exceed the bound,
 * instead of having every later event buffered for it.
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
@SuiteConfig(http = true)
class SseSlowReaderTest {
  /** ~8 KB per event. */
  private static final JsonObject EVENT = new JsonObject().put("contactId", "slow").put("padding", "x".repeat(8_000));
  /** Far more than the bound plus every kernel buffer between the two ends (a few MB on loopback). */
  private static final int MAX_EVENTS = 20_000;

  @Test
  @DisplayName("a subscriber that never reads is disconnected (logged); other subscribers and the server go on")
  void slowReaderIsDisconnected(Vertx vertx, OrchestratorSuite suite) throws Exception {
    try (LogCapture log = LogCapture.of(AdminRoutes.class.getName(), Level.WARN);
         Socket reader = new Socket()) {
      CompletableFuture<ILoggingEvent> disconnected = log.first(line -> line.getFormattedMessage()
        .contains("/admin/events client"));
      reader.setReceiveBufferSize(4_096);
      reader.connect(new InetSocketAddress(WebhookHttp.HOST, suite.httpPort()));
      reader.setSoTimeout(20_000);
      reader.getOutputStream().write("GET /admin/events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = reader.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).contains(": connected")) {
        head.write(in.read());
      }
      assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");

      // The subscriber now stops reading; events keep coming.
      for (int published = 0; published < MAX_EVENTS && !disconnected.isDone(); published++) {
        vertx.eventBus().publish(Addresses.event(Events.MESSAGE_RECEIVED), EVENT);
      }

      assertThat(disconnected.get(20, TimeUnit.SECONDS).getLevel()).isEqualTo(Level.WARN);
      // What was already on its way still arrives, then the connection ends.
      byte[] chunk = new byte[65_536];
      while (in.read(chunk) >= 0) {
        // drain
      }
    }
    assertThat(Await.result(WebClient.create(vertx).get(suite.httpPort(), WebhookHttp.HOST, "/health/live").send())
      .statusCode()).isEqualTo(200);
  }
}
