package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** V5b over HTTP: a conversation over its rate limit is answered 429 rate_limited; stats and metrics count both limits. */
@ExtendWith(VertxExtension.class)
class ContactLimitsHttpTest {

  @Test
  @DisplayName("POST /webhook beyond contact.rateLimit: 429 with reason rate_limited and Retry-After; /stats shows"
    + " rateLimited and dailyLimited, the metrics the rejection and the daily hold")
  void rateLimitedOverHttp(Vertx vertx) {
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject().put("lockTimeout", 0)
        .put("contact", new JsonObject().put("rateLimit", 2).put("dailyAgentCalls", 1)),
      (message, context) -> AgentReply.of("re:" + message.text()));
    WebClient web = WebClient.create(vertx);
    try {
      // A minute window could turn between two posts on a real clock: two tries at most see three posts in one.
      HttpResponse<Buffer> third = null;
      for (int round = 0; round < 2 && (third == null || third.statusCode() != 429); round++) {
        String contact = "55119999900" + round;
        Await.result(WebhookHttp.postJson(web, suite.httpPort(), body(contact, "one")));
        Await.result(WebhookHttp.postJson(web, suite.httpPort(), body(contact, "two")));
        third = Await.result(WebhookHttp.postJson(web, suite.httpPort(), body(contact, "three")));
      }
      assertThat(third.statusCode()).isEqualTo(429);
      assertThat(third.getHeader("Retry-After")).isNotNull();
      assertThat(third.bodyAsJsonObject().getString("reason")).isEqualTo("rate_limited");

      JsonObject stats = Await.result(WebhookHttp.get(web, suite.httpPort(), "/stats")).bodyAsJsonObject();
      assertThat(stats.getLong("rateLimited")).isGreaterThanOrEqualTo(1);
      assertThat(stats.getJsonObject("totalRejected").getInteger("rate_limited")).isGreaterThanOrEqualTo(1);
      // The second message of the conversation found its one daily agent call used: held, not answered.
      assertThat(stats.getLong("dailyLimited")).isGreaterThanOrEqualTo(1);
      assertThat(stats.getInteger("heldMessages")).isGreaterThanOrEqualTo(1);
      assertThat(suite.metrics().registry().get("orchestrator.messages.rejected").tag("reason", "rate_limited")
        .counter().count()).isGreaterThanOrEqualTo(1);
      assertThat(suite.metrics().registry().get("orchestrator.contacts.pauses").tag("by", "limit").counter()
        .count()).isGreaterThanOrEqualTo(1);
    } finally {
      web.close();
      Await.result(suite.stop());
    }
  }

  private static JsonObject body(String from, String text) {
    return new JsonObject().put("from", from).put("body", text);
  }
}
