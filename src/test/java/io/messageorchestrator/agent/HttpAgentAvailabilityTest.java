package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** J6b: which failures of the {@code http} agent say "unavailable" (they open the circuit) and which do not. */
@ExtendWith(VertxExtension.class)
class HttpAgentAvailabilityTest {

  @Test
  @DisplayName("HTTP 429, 502, 503 and 504 are unavailable; 500 and 400 are the message's own failures")
  void statusesAreClassified(Vertx vertx) throws Exception {
    AtomicInteger status = new AtomicInteger();
    HttpServer server = Await.result(vertx.createHttpServer()
      .requestHandler(request -> request.response().setStatusCode(status.get())
        .putHeader("Content-Type", "application/json").end("{\"response\":\"hi\"}"))
      .listen(0, "127.0.0.1"));
    HttpAgent agent = new HttpAgent(vertx, "http://127.0.0.1:" + server.actualPort() + "/agent");
    try {
      for (int unavailable : new int[] {429, 502, 503, 504}) {
        status.set(unavailable);
        assertThatThrownBy(() -> call(agent)).as("HTTP %d", unavailable)
          .isInstanceOf(AgentUnavailableException.class).hasMessageContaining("HTTP " + unavailable);
      }
      for (int ordinary : new int[] {500, 400}) {
        status.set(ordinary);
        assertThatThrownBy(() -> call(agent)).as("HTTP %d", ordinary)
          .isInstanceOf(AgentCallException.class).hasMessageContaining("HTTP " + ordinary);
      }
      status.set(200);
      assertThat(call(agent).response()).isEqualTo("hi");
    } finally {
      agent.close();
    }
  }

  @Test
  @DisplayName("a refused connection is unavailable")
  void refusedConnectionIsUnavailable(Vertx vertx) throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    HttpAgent agent = new HttpAgent(vertx, "http://127.0.0.1:" + port + "/agent");
    try {
      assertThatThrownBy(() -> call(agent)).isInstanceOf(AgentUnavailableException.class)
        .hasMessageContaining("unreachable").hasCauseInstanceOf(IOException.class);
    } finally {
      agent.close();
    }
  }

  @Test
  @DisplayName("a connection closed before the answer (reset by the agent) is unavailable")
  void closedConnectionIsUnavailable(Vertx vertx) throws Exception {
    HttpServer server = Await.result(vertx.createHttpServer()
      .requestHandler(request -> request.connection().close())
      .listen(0, "127.0.0.1"));
    HttpAgent agent = new HttpAgent(vertx, "http://127.0.0.1:" + server.actualPort() + "/agent");
    try {
      assertThatThrownBy(() -> call(agent)).isInstanceOf(AgentUnavailableException.class);
    } finally {
      agent.close();
    }
  }

  private static AgentReply call(HttpAgent agent) throws Exception {
    return agent.process(InboundMessage.text("hello"), new ProcessingContext("c1", "p1", 1,
      System.nanoTime() + 5_000_000_000L));
  }
}
