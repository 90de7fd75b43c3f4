package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Fixtures;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static io.messageorchestrator.http.WebhookHttp.HOST;
import static io.messageorchestrator.http.WebhookHttp.config;
import static io.messageorchestrator.http.WebhookHttp.get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * H25: provider delivery statuses are counted in {@code /stats} ({@code totalStatusUpdates}) and {@code /metrics}
 * ({@code orchestrator_status_updates_received_total}). The webhook's 200 comes after the status event was
 * published, and the statistics are asked for after that, on the verticle that counts: so the count is in.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class StatusUpdateCountTest {
  private OrchestratorSuite suite;
  private WebClient web;
  private int port;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext testContext) {
    web = WebClient.create(vertx);
    OrchestratorSuite.deploy(vertx, config(new JsonObject().put("http", new JsonObject().put("maxBodySize", 65_536))))
      .onComplete(testContext.succeeding(deployed -> {
        suite = deployed;
        port = deployed.httpPort();
        testContext.completeNow();
      }));
  }

  @AfterEach
  void stop(VertxTestContext testContext) {
    web.close();
    Suites.stopIfStarted(suite, testContext);
  }

  @Test
  @DisplayName("a Cloud API status and a Twilio status callback are counted in /stats and /metrics")
  void statusUpdatesAreCounted(VertxTestContext testContext) {
    Future<HttpResponse<Buffer>> whatsapp = web.post(port, HOST, WebhookRoutes.WHATSAPP_PATH)
      .putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer(Fixtures.fixture("meta-cloud-status-sent.json")));
    Future<HttpResponse<Buffer>> twilio = whatsapp.compose(answer -> web.post(port, HOST, WebhookRoutes.TWILIO_PATH)
      .putHeader("Content-Type", "application/x-www-form-urlencoded")
      .sendBuffer(Buffer.buffer("MessageSid=SM1&MessageStatus=delivered&To=whatsapp%3A%2B15551230000")));
    Future<HttpResponse<Buffer>> stats = twilio.compose(answer -> get(web, port, "/stats"));
    Future<HttpResponse<Buffer>> metrics = stats.compose(answer -> get(web, port, "/metrics"));
    metrics.onComplete(testContext.succeeding(scrape -> testContext.verify(() -> {
      assertThat(whatsapp.result().statusCode()).isEqualTo(200);
      assertThat(whatsapp.result().bodyAsJsonObject().getInteger("statuses")).isEqualTo(1);
      assertThat(twilio.result().statusCode()).isEqualTo(200);
      JsonObject statistics = stats.result().bodyAsJsonObject();
      assertThat(statistics.getLong("totalStatusUpdates")).isEqualTo(2);
      assertThat(statistics.getLong("totalReceived")).isZero();
      assertThat(scrape.bodyAsString()).contains("orchestrator_status_updates_received_total 2.0");
      testContext.completeNow();
    })));
  }
}
