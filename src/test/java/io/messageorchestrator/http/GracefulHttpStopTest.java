package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * R11's last step: after the drain the HTTP server stops gracefully. An {@code /admin/events} stream never ends by
 * itself, so at shutdown it is ended properly (the last chunk is written) instead of being cut off when the server's
 * shutdown grace runs out.
 */
@ExtendWith(VertxExtension.class)
class GracefulHttpStopTest {

  @Test
  @DisplayName("at shutdown an /admin/events stream is ended with its last chunk, not cut off")
  void eventStreamEndsCleanlyAtShutdown(Vertx vertx) throws Exception {
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject(), new TestAgent());
    try (Socket subscriber = new Socket()) {
      subscriber.connect(new InetSocketAddress(WebhookHttp.HOST, suite.httpPort()));
      subscriber.setSoTimeout(30_000); // a failure bound only: the stream ends as soon as the server shuts down
      subscriber.getOutputStream()
        .write("GET /admin/events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = subscriber.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      while (!received.toString(StandardCharsets.US_ASCII).contains(": connected")) {
        int next = in.read();
        assertThat(next).as("stream open").isNotNegative();
        received.write(next);
      }

      Await.result(suite.stop());

      in.transferTo(received); // until the server closes the connection
      String stream = received.toString(StandardCharsets.US_ASCII);
      assertThat(stream).startsWith("HTTP/1.1 200");
      assertThat(stream).as("chunked stream ended with its last chunk").endsWith("0\r\n\r\n");
    }
  }
}
