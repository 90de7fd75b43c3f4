package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
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
import static io.messageorchestrator.http.WebhookHttp.get;
import static io.messageorchestrator.http.WebhookHttp.isJson;
import static io.messageorchestrator.http.WebhookHttp.postJson;
import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith({VertxExtension.class, SuiteExtension.class})
// As WebhookHttp.config: four shards, one HTTP instance on loopback, small bodies; the built-in echo agent.
@SuiteConfig(value = {"shards=4", "shutdownGracePeriod=1000", "http.instances=1", "http.maxBodySize=1024", "maxQueueSize=7"},
  http = true, configuredProcessor = true)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
@DisplayName("HTTP routes other than the webhook")
class HttpOperationsTest {
  private OrchestratorSuite suite;
  private WebClient web;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx, OrchestratorSuite suite) {
    web = WebClient.create(vertx);
    this.suite = suite;
    port = suite.httpPort();
  }

  @AfterEach
  void closeClient() {
    web.close();
  }

  @Test
  @DisplayName("an unknown path is a 404 with a JSON error")
  void unknownPathIsNotFound(VertxTestContext testContext) {
    Future<HttpResponse<Buffer>> getMissing = get(web, port, "/no/such/thing");
    Future<HttpResponse<Buffer>> postMissing = web.post(port, HOST, "/hook").sendJsonObject(new JsonObject());
    Future.all(getMissing, postMissing).onComplete(testContext.succeeding(all -> testContext.verify(() -> {
      for (HttpResponse<Buffer> response : java.util.List.of(getMissing.result(), postMissing.result())) {
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(isJson(response)).isTrue();
        assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
        assertThat(response.bodyAsJsonObject().getString("message")).isNotBlank();
      }
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("GET /webhook is a 405 with a JSON error")
  void getOnWebhookIsMethodNotAllowed(VertxTestContext testContext) {
    get(web, port, "/webhook").onComplete(testContext.succeeding(response -> testContext.verify(() -> {
      assertThat(response.statusCode()).isEqualTo(405);
      assertThat(isJson(response)).isTrue();
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("method_not_allowed");
      assertThat(response.bodyAsJsonObject().getString("message")).contains("GET");
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("GET /health, /health/ready and /health/live are 200 while running; a single node's readiness has no"
    + " cluster check")
  void healthIsUpWhileRunning(VertxTestContext testContext) {
    Future<HttpResponse<Buffer>> health = get(web, port, "/health");
    Future<HttpResponse<Buffer>> ready = get(web, port, "/health/ready");
    Future<HttpResponse<Buffer>> live = get(web, port, "/health/live");
    Future.all(health, ready, live).onComplete(testContext.succeeding(all -> testContext.verify(() -> {
      assertThat(health.result().statusCode()).isEqualTo(200);
      assertThat(health.result().bodyAsJsonObject().getString("status")).isEqualTo("UP");
      assertThat(ready.result().statusCode()).isEqualTo(200);
      assertThat(ready.result().bodyAsJsonObject().getJsonArray("checks").stream()
        .map(check -> ((JsonObject) check).getString("id")).toList()).containsExactlyInAnyOrder("orchestrator", "journal");
      assertThat(live.result().statusCode()).isEqualTo(200);
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("GET /stats answers the original's statistics and counts the messages sent")
  void statsHaveTheOriginalFields(VertxTestContext testContext) {
    Future<HttpResponse<Buffer>> sent = postJson(web, port, new JsonObject().put("from", "+1 555 0100").put("body", "a"))
      .compose(r -> postJson(web, port, new JsonObject().put("from", "+1 555 0100").put("body", "b")))
      .compose(r -> postJson(web, port, new JsonObject().put("from", "+1 555 0199").put("body", "c")));
    sent.compose(last -> get(web, port, "/stats")).onComplete(testContext.succeeding(response -> testContext.verify(() -> {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(isJson(response)).isTrue();
      JsonObject stats = response.bodyAsJsonObject();
      assertThat(stats.fieldNames()).contains("totalProcessed", "totalErrors", "totalDeadlocks", "totalTimeouts",
        "successRate", "averageProcessingTime", "currentlyProcessing", "totalQueued", "activeContacts",
        "contactsWithQueues", "uptime", "uptimeFormatted", "memoryUsage", "config", "queueDetails");
      assertThat(stats.getLong("totalProcessed")).isEqualTo(3);
      assertThat(stats.getLong("totalErrors")).isZero();
      assertThat(stats.getLong("totalTimeouts")).isZero();
      assertThat(stats.getLong("totalDeadlocks")).isZero();
      assertThat(stats.getDouble("successRate")).isEqualTo(100.0);
      assertThat(stats.getDouble("averageProcessingTime")).isGreaterThanOrEqualTo(0.0);
      assertThat(stats.getLong("currentlyProcessing")).isZero();
      assertThat(stats.getLong("totalQueued")).isZero();
      assertThat(stats.getLong("contactsWithQueues")).isZero();
      assertThat(stats.getValue("activeContacts")).isNotNull();
      assertThat(stats.getJsonArray("queueDetails")).isEmpty();
      assertThat(stats.getLong("uptime")).isNotNegative();
      assertThat(stats.getString("uptimeFormatted")).matches("(\\d+d )?(\\d+h )?\\d+m \\d+s");
      assertThat(stats.getJsonObject("memoryUsage").getLong("heapUsed")).isPositive();
      assertThat(stats.getJsonObject("config").getInteger("maxQueueSize")).isEqualTo(7);
      assertThat(stats.getJsonObject("config").getLong("processingTimeout")).isEqualTo(30_000);
      testContext.completeNow();
    })));
  }
}
