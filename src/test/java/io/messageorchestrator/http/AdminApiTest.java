package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith({VertxExtension.class, SuiteExtension.class})
class AdminApiTest {

  @Test
  @DisplayName("with an admin token, admin routes need 'Authorization: Bearer <token>'")
  @SuiteConfig(value = "admin.token=s3cret", http = true)
  void tokenRequired(Vertx vertx, OrchestratorSuite suite) {
    WebClient web = WebClient.create(vertx);
    int port = suite.httpPort();

    HttpResponse<Buffer> none = Await.result(web.get(port, "127.0.0.1", "/admin/stats").send());
    HttpResponse<Buffer> wrong = Await.result(web.get(port, "127.0.0.1", "/admin/stats")
      .putHeader("Authorization", "Bearer nope").send());
    HttpResponse<Buffer> right = Await.result(web.get(port, "127.0.0.1", "/admin/stats")
      .putHeader("Authorization", "Bearer s3cret").send());

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.bodyAsJsonObject().getString("error")).isEqualTo("unauthorized");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(right.bodyAsJsonObject().containsKey("totalProcessed")).isTrue();
  }

  @Test
  @DisplayName("without a token only loopback callers are served")
  void loopbackOnly() {
    assertThat(AdminRoutes.isLoopback(SocketAddress.inetSocketAddress(1234, "127.0.0.1"))).isTrue();
    assertThat(AdminRoutes.isLoopback(SocketAddress.inetSocketAddress(1234, "::1"))).isTrue();
    assertThat(AdminRoutes.isLoopback(SocketAddress.inetSocketAddress(1234, "10.1.2.3"))).isFalse();
    assertThat(AdminRoutes.isLoopback(SocketAddress.inetSocketAddress(1234, "203.0.113.9"))).isFalse();
    assertThat(AdminRoutes.isLoopback(null)).isFalse();
  }

  @Test
  @DisplayName("contact status, unlock one, unlock all and deadlock resolution are served under /admin")
  @SuiteConfig(value = "lockTimeout=0", http = true)
  void operations(Vertx vertx, OrchestratorSuite suite, EventRecorder events) {
    WebClient web = WebClient.create(vertx);
    int port = suite.httpPort();
    suite.client().processMessage("111", InboundMessage.text("hang"));
    suite.client().processMessage("222", InboundMessage.text("hang"));
    suite.client().processMessage("333", InboundMessage.text("hang"));
    events.awaitAll(Events.LOCK_ACQUIRED, 3);
    Await.result(suite.client().processMessage("111", InboundMessage.text("waiting")));

    JsonObject status = Await.result(web.get(port, "127.0.0.1", "/admin/contacts/111").send()).bodyAsJsonObject();
    assertThat(status.getBoolean("locked")).isTrue();
    assertThat(status.getInteger("queueSize")).isEqualTo(1);
    assertThat(status.getLong("leaseAgeMs")).isNotNull();
    assertThat(status.getLong("oldestWaitMs")).isNotNull();

    JsonObject one = Await.result(web.post(port, "127.0.0.1", "/admin/contacts/111/unlock").send()).bodyAsJsonObject();
    assertThat(one).isEqualTo(new JsonObject().put("unlocked", 1));
    events.awaitFirst(Events.MESSAGE_PROCESSED, e -> "re:waiting".equals(e.getString("response")));
    JsonObject all = Await.result(web.post(port, "127.0.0.1", "/admin/unlock").send()).bodyAsJsonObject();
    assertThat(all).isEqualTo(new JsonObject().put("unlocked", 2));
    JsonObject resolved = Await.result(web.post(port, "127.0.0.1", "/admin/deadlocks/resolve").send())
      .bodyAsJsonObject();
    assertThat(resolved).isEqualTo(new JsonObject().put("resolved", 0));
  }

  @Test
  @DisplayName("unlocking one conversation of a business number other than the default reaches its shard and its lane"
    + " (?account=), not the default account's conversation with the same contact")
  @SuiteConfig(value = "lockTimeout=0", http = true)
  void unlockOfAnAccountsConversation(Vertx vertx, OrchestratorSuite suite, EventRecorder events) {
    WebClient web = WebClient.create(vertx);
    int port = suite.httpPort();
    suite.client().submit(new ProcessRequest("5511888", "111", InboundMessage.text("hang"), false, null));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);

    JsonObject defaultAccount = Await.result(web.post(port, "127.0.0.1", "/admin/contacts/111/unlock").send())
      .bodyAsJsonObject();
    assertThat(defaultAccount).as("the default account's 111 holds no lock").isEqualTo(new JsonObject()
      .put("unlocked", 0));
    JsonObject ofAccount = Await.result(web.post(port, "127.0.0.1", "/admin/contacts/111/unlock")
      .addQueryParam("account", "5511888").send()).bodyAsJsonObject();
    assertThat(ofAccount).isEqualTo(new JsonObject().put("unlocked", 1));
    assertThat(Await.result(suite.client().contactStatus("111", "5511888")).getBoolean("locked")).isFalse();
  }

  @Test
  @DisplayName("GET /admin/events streams every event as SSE; a contact's orchestrator events arrive in order")
  @SuiteConfig(http = true)
  void serverSentEvents(Vertx vertx, OrchestratorSuite suite) {
    HttpClient http = vertx.createHttpClient();
    StringBuilder stream = new StringBuilder();
    Promise<String> contentType = Promise.promise();
    Promise<Void> connected = Promise.promise();
    Promise<String> sawEnough = Promise.promise();
    // Callbacks only record: assertions run on the test thread, where a failure is reported as such.
    http.request(HttpMethod.GET, suite.httpPort(), "127.0.0.1", "/admin/events")
      .compose(request -> request.send())
      .onSuccess(response -> {
        contentType.complete(String.valueOf(response.getHeader("Content-Type")));
        response.handler(chunk -> {
          stream.append(chunk.toString());
          if (stream.toString().contains(": connected")) {
            connected.tryComplete();
          }
          // Only whole events count: a chunk may end in the middle of one.
          String complete = stream.substring(0, stream.lastIndexOf("\n\n") + 1);
          if (complete.split("event: lockReleased").length > 2 && complete.split("event: replyDelivered").length > 2) {
            sawEnough.tryComplete(complete);
          }
        });
      })
      .onFailure(connected::tryFail);
    assertThat(Await.result(contentType.future())).isEqualTo("text/event-stream");
    Await.result(connected.future());

    Await.result(suite.client().processMessage("sse", InboundMessage.text("one")));
    Await.result(suite.client().processMessage("sse", InboundMessage.text("two")));

    String text = Await.result(sawEnough.future());
    List<String> names = new ArrayList<>();
    List<String> replies = new ArrayList<>();
    for (String block : text.split("\n\n")) {
      if (block.startsWith("event: ")) {
        String name = block.substring(7, block.indexOf('\n'));
        String data = block.substring(block.indexOf("data: ") + 6);
        assertThat(new JsonObject(data).getString("contactId")).isEqualTo("sse");
        // Order holds per publisher: the shard's events among themselves (reply delivery is another publisher).
        if (Events.ALL.contains(name)) {
          names.add(name);
        } else {
          replies.add(name);
        }
      }
    }
    assertThat(names).containsExactly(
      Events.MESSAGE_RECEIVED, Events.LOCK_ACQUIRED, Events.MESSAGE_PROCESSED, Events.LOCK_RELEASED,
      Events.MESSAGE_RECEIVED, Events.LOCK_ACQUIRED, Events.MESSAGE_PROCESSED, Events.LOCK_RELEASED);
    assertThat(replies).containsExactly("replyDelivered", "replyDelivered");
  }

  @Test
  @DisplayName("GET /metrics serves Prometheus text with the orchestrator's meters")
  @SuiteConfig(value = {"maxQueueSize=1", "lockTimeout=0"}, http = true)
  void prometheusMetrics(Vertx vertx, OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("m", InboundMessage.text("block:m"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage("m", InboundMessage.text("queued")));
    Await.result(suite.client().processMessage("m", InboundMessage.text("rejected")));
    agent.open("m");
    events.awaitAll(Events.MESSAGE_PROCESSED, 2);

    HttpResponse<Buffer> response = Await.result(WebClient.create(vertx)
      .get(suite.httpPort(), "127.0.0.1", "/metrics").send());

    assertThat(response.statusCode()).isEqualTo(200);
    String text = response.bodyAsString();
    assertThat(text).contains("orchestrator_messages_received_total 3.0")
      .contains("orchestrator_messages_completed_total{outcome=\"processed\"} 2.0")
      .contains("orchestrator_messages_rejected_total{reason=\"queue_full\"} 1.0")
      .contains("orchestrator_processing_time_seconds_bucket")
      .contains("orchestrator_queue_wait_seconds_count 2")
      .contains("orchestrator_queued_messages 0.0")
      .contains("orchestrator_active_leases 0.0")
      .contains("orchestrator_deadlocks_resolved_total")
      .contains("orchestrator_messages_duplicates_total")
      .contains("orchestrator_late_results_discarded_total");
  }
}
