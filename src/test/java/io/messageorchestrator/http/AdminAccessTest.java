package io.messageorchestrator.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * H3 (HTTP part) and H4: who sees what. {@code /stats} shows counts to everyone, contact lists and configuration to
 * admins only; without {@code admin.token}, loopback is trusted unless a proxy forwarded the request.
 */
@ExtendWith(VertxExtension.class)
class AdminAccessTest {
  /** A phone number: it must never reach a caller without admin credentials. */
  private static final String PHONE = "5511987654321";

  private final TestAgent agent = new TestAgent();
  private OrchestratorSuite suite;

  @AfterEach
  void stop(VertxTestContext testContext) {
    agent.open("g");
    Suites.stopIfStarted(suite, testContext);
  }

  /** Starts the suite and puts {@link #PHONE} in {@code activeContacts} and {@code queueDetails}. */
  private void startWithBusyContact(Vertx vertx, String adminToken) {
    JsonObject config = new JsonObject().put("lockTimeout", 0);
    if (adminToken != null) {
      config.put("admin", new JsonObject().put("token", adminToken));
    }
    suite = Suites.startWithHttp(vertx, config, agent);
    EventRecorder events = EventRecorder.attach(vertx);
    suite.client().processMessage(PHONE, InboundMessage.text("block:g"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage(PHONE, InboundMessage.text("waits")));
  }

  private HttpResponse<Buffer> get(Vertx vertx, String path, UnaryOperator<HttpRequest<Buffer>> headers) {
    return Await.result(headers.apply(WebClient.create(vertx).get(suite.httpPort(), WebhookHttp.HOST, path)).send());
  }

  private static void assertCountsOnly(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject stats = response.bodyAsJsonObject();
    assertThat(stats.getLong("totalReceived")).isEqualTo(2);
    assertThat(stats.getLong("activeContactCount")).isEqualTo(1);
    assertThat(stats.getLong("totalQueued")).isEqualTo(1);
    assertThat(stats.fieldNames()).doesNotContain("activeContacts", "queueDetails", "config");
    assertThat(response.bodyAsString()).doesNotContain(PHONE);
  }

  private static void assertFullView(JsonObject stats) {
    assertThat(stats.getJsonArray("activeContacts").encode()).contains(PHONE);
    assertThat(stats.getJsonArray("queueDetails").encode()).contains(PHONE);
    assertThat(stats.getJsonObject("config")).isNotNull();
  }

  @Test
  @DisplayName("with admin.token: /stats without the token shows counts only; with it, lists and configuration")
  void statsWithToken(Vertx vertx) {
    startWithBusyContact(vertx, "s3cret");

    assertCountsOnly(get(vertx, "/stats", request -> request));
    assertCountsOnly(get(vertx, "/stats", request -> request.putHeader("Authorization", "Bearer wrong")));
    HttpResponse<Buffer> admin = get(vertx, "/stats", request -> request.putHeader("Authorization", "Bearer s3cret"));

    assertThat(admin.statusCode()).isEqualTo(200);
    assertFullView(admin.bodyAsJsonObject());
    assertFullView(Await.result(suite.client().getStats()));
  }

  @Test
  @DisplayName("without admin.token: /stats shows loopback callers everything, proxied requests counts only")
  void statsWithoutToken(Vertx vertx) {
    startWithBusyContact(vertx, null);

    assertFullView(get(vertx, "/stats", request -> request).bodyAsJsonObject());
    assertCountsOnly(get(vertx, "/stats", request -> request.putHeader("X-Forwarded-For", "203.0.113.9")));
    assertFullView(Await.result(suite.client().getStats()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Forwarded", "X-Forwarded-For", "X-Real-IP"})
  @DisplayName("without admin.token, /admin refuses (403) loopback requests that a proxy forwarded")
  void forwardedRequestsRefused(String header, Vertx vertx) {
    startWithBusyContact(vertx, null);

    HttpResponse<Buffer> direct = get(vertx, "/admin/contacts/" + PHONE, request -> request);
    HttpResponse<Buffer> proxied = get(vertx, "/admin/contacts/" + PHONE,
      request -> request.putHeader(header, header.equals("Forwarded") ? "for=203.0.113.9" : "203.0.113.9"));

    assertThat(direct.statusCode()).isEqualTo(200);
    assertThat(proxied.statusCode()).isEqualTo(403);
    assertThat(proxied.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
    assertThat(proxied.bodyAsString()).doesNotContain(PHONE).contains("admin.token");
  }

  @Test
  @DisplayName("a token-less admin API is announced by one WARN line at start-up; none with a token")
  void tokenlessWarning(Vertx vertx) {
    List<ILoggingEvent> lines;
    try (LogCapture log = LogCapture.of(AdminRoutes.class.getName(), Level.WARN)) {
      suite = Suites.startWithHttp(vertx, new JsonObject().put("http", new JsonObject().put("instances", 2)), agent);
      lines = log.lines();
    }
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).getLevel()).isEqualTo(Level.WARN);
    assertThat(lines.get(0).getFormattedMessage()).contains("admin.token is not set");
  }

  @Test
  @DisplayName("with admin.token set, no token-less warning")
  void noWarningWithToken(Vertx vertx) {
    List<ILoggingEvent> lines;
    try (LogCapture log = LogCapture.of(AdminRoutes.class.getName(), Level.WARN)) {
      suite = Suites.startWithHttp(vertx, new JsonObject().put("admin", new JsonObject().put("token", "t")), agent);
      lines = log.lines();
    }
    assertThat(lines).isEmpty();
  }
}
