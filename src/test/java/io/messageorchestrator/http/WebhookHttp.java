package io.messageorchestrator.http;

import io.messageorchestrator.support.Suites;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/** Test helpers: a loopback configuration with an ephemeral port, and raw HTTP calls against it. */
final class WebhookHttp {
  static final String HOST = "127.0.0.1";

  private WebhookHttp() {
  }

  /** Loopback, port 0, one HTTP instance, four shards, small body limit; {@code overrides} win. */
  static OrchestratorConfig config(JsonObject overrides) {
    JsonObject json = Suites.baseConfig()
      .put("shards", 4)
      .put("shutdownGracePeriod", 1_000)
      .put("http", new JsonObject().put("host", HOST).put("port", 0).put("instances", 1).put("maxBodySize", 1_024));
    return OrchestratorConfig.from(json.mergeIn(overrides, true));
  }

  static Future<HttpResponse<Buffer>> postRaw(WebClient web, int port, String path, String body) {
    return web.post(port, HOST, path).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
  }

  static Future<HttpResponse<Buffer>> postJson(WebClient web, int port, JsonObject body) {
    return web.post(port, HOST, "/webhook").sendJsonObject(body);
  }

  static Future<HttpResponse<Buffer>> get(WebClient web, int port, String path) {
    return web.get(port, HOST, path).send();
  }

  static boolean isJson(HttpResponse<Buffer> response) {
    String type = response.getHeader("Content-Type");
    return type != null && type.startsWith("application/json");
  }
}
