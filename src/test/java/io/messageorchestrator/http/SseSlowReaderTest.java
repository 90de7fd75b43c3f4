package io.messageorchestrator.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * H6: an {@code /admin/events} client that stops reading is disconnected once the bytes written to it but not yet
 * handed to the network exceed {@link AdminRoutes#SSE_MAX_PENDING_BYTES}, instead of having every later event
 * buffered for it (the issue measured ~530 B of heap per message, without end).
 *
 * <p>How the bound is proved from outside: the reader never reads while the events are published, and only 25% more
 * bytes are published than the bound plus every kernel buffer between the two ends can hold. A server whose bound is
 * larger (or missing) keeps the connection open and never logs the disconnect, and the test fails. The idle timeout is
 * set far beyond the test's waits, so it cannot be what ends the connection.
 */
@ExtendWith(VertxExtension.class)
class SseSlowReaderTest {
  /** ~8 KB per event. */
  private static final JsonObject EVENT = new JsonObject().put("contactId", "slow").put("padding", "x".repeat(8_000));
  private static final int EVENT_BYTES = ("event: " + Events.MESSAGE_RECEIVED + "\ndata: " + EVENT.encode() + "\n\n")
    .length();
  /** How long the reader waits for the server to end the connection: far below the idle timeout. */
  private static final int READ_TIMEOUT_MS = 30_000;
  private static final int IDLE_TIMEOUT_MS = 20 * READ_TIMEOUT_MS;

  private static final String SLOW_CLIENT_LOG = "slow /admin/events client";

  private OrchestratorSuite suite;

  @AfterEach
  void stop(VertxTestContext testContext) {
    Suites.stopIfStarted(suite, testContext);
  }

  @Test
  @DisplayName("a subscriber that never reads is disconnected within the pending-bytes bound (one WARN); a new "
    + "subscriber is served afterwards")
  void slowReaderIsDisconnectedWithinTheBound(Vertx vertx) throws Exception {
    suite = Suites.startWithHttp(vertx, new JsonObject().put("http", new JsonObject()
      .put("idleTimeout", IDLE_TIMEOUT_MS)), new TestAgent());
    try (LogCapture log = LogCapture.of(AdminRoutes.class.getName(), Level.WARN);
         Socket reader = new Socket()) {
      reader.setReceiveBufferSize(4_096);
      CompletableFuture<ILoggingEvent> disconnected = log.first(line -> line.getFormattedMessage()
        .contains(SLOW_CLIENT_LOG));
      InputStream in = subscribe(reader);
      long absorbable = maxKernelSendBuffer() + reader.getReceiveBufferSize() + AdminRoutes.SSE_MAX_PENDING_BYTES;
      long events = absorbable * 5 / 4 / EVENT_BYTES + 16;

      // The subscriber now stops reading; more events come than the bound and the kernel buffers can hold.
      for (long published = 0; published < events; published++) {
        vertx.eventBus().publish(Addresses.event(Events.MESSAGE_RECEIVED), EVENT);
      }

      // The reader must not read before the server has dealt with every event (publishing is asynchronous): the
      // server's WARN says it disconnected the reader; a server that buffered everything never writes it.
      ILoggingEvent warning;
      try {
        warning = disconnected.get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("no WARN says the slow subscriber was disconnected after " + events
          + " events of " + EVENT_BYTES + " bytes", e);
      }
      assertThat((Long) warning.getArgumentArray()[1]).as("pending bytes when disconnected")
        .isLessThanOrEqualTo(AdminRoutes.SSE_MAX_PENDING_BYTES);

      // What was already on its way still arrives, then the connection ends.
      long drained = drainUntilClosed(reader, in);
      assertThat(drained).as("bytes the subscriber received").isLessThan(events * EVENT_BYTES);
      assertThat(log.lines()).filteredOn(line -> line.getFormattedMessage().contains(SLOW_CLIENT_LOG)).hasSize(1);
    }

    try (Socket next = new Socket()) {
      InputStream in = subscribe(next);
      vertx.eventBus().publish(Addresses.event(Events.MESSAGE_RECEIVED), new JsonObject().put("contactId", "after"));
      readUntil(in, "\"contactId\":\"after\"");
    }
  }

  /** Opens {@code /admin/events} on {@code socket} and reads until the stream says it is connected. */
  private InputStream subscribe(Socket socket) throws IOException {
    socket.connect(new InetSocketAddress(WebhookHttp.HOST, suite.httpPort()));
    socket.setSoTimeout(READ_TIMEOUT_MS);
    socket.getOutputStream().write("GET /admin/events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    String head = readUntil(in, ": connected");
    assertThat(head).startsWith("HTTP/1.1 200");
    return in;
  }

  private static String readUntil(InputStream in, String marker) throws IOException {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    while (!received.toString(StandardCharsets.US_ASCII).contains(marker)) {
      int b = in.read();
      assertThat(b).as("stream ended before " + marker).isNotNegative();
      received.write(b);
    }
    return received.toString(StandardCharsets.US_ASCII);
  }

  /**
   * Reads until the server ends the connection; fails if it is still open after {@link #READ_TIMEOUT_MS} (a deadline
   * for the whole drain: the stream's heartbeats would keep a per-read timeout from ever firing).
   */
  private static long drainUntilClosed(Socket socket, InputStream in) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_TIMEOUT_MS);
    long drained = 0;
    byte[] chunk = new byte[65_536];
    try {
      for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
        drained += n;
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new SocketTimeoutException();
        }
        socket.setSoTimeout((int) left);
      }
    } catch (SocketTimeoutException stillOpen) {
      fail("the slow subscriber was not disconnected; it received " + drained + " bytes");
    } catch (SocketException reset) {
      // a reset counts as the end
    }
    return drained;
  }

  /** The most a TCP send buffer grows to on this machine (Linux autotuning), or a generous guess elsewhere. */
  private static long maxKernelSendBuffer() {
    try {
      // readAllLines, not readString: procfs files report size 0, and readString then returns a truncated value.
      String[] minDefaultMax = Files.readAllLines(Path.of("/proc/sys/net/ipv4/tcp_wmem")).get(0).trim().split("\\s+");
      return Long.parseLong(minDefaultMax[2]);
    } catch (IOException | RuntimeException unknown) {
      return 16L << 20;
    }
  }
}
