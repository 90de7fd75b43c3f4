package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static io.messageorchestrator.http.WebhookHttp.config;
import static io.messageorchestrator.http.WebhookHttp.get;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * H10: {@code /health/ready} pings every shard. A shard whose event loop is stuck (here: held in an event-bus
 * interceptor, which runs on the receiving shard's event loop) turns readiness down after two missed pings, while
 * liveness stays up; once the loop is free, readiness comes back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadinessTest {
  private static final int STUCK_SHARD = 1;

  private final CountDownLatch release = new CountDownLatch(1);
  private Vertx vertx;
  private OrchestratorSuite suite;
  private WebClient web;

  @AfterEach
  void stop() {
    release.countDown();
    if (suite != null) {
      Await.result(suite.stop(), 30);
    }
    if (web != null) {
      web.close();
    }
    if (vertx != null) {
      Await.result(vertx.close(), 30);
    }
  }

  @Test
  @DisplayName("a shard whose event loop is stuck turns /health/ready DOWN after two missed pings and UP once free; "
    + "/health/live stays UP")
  void readinessFollowsAStuckShard() throws Exception {
    // Enough event loops that the stuck shard shares its loop with neither the HTTP server nor the pinger; a stuck
    // loop is the point of the test, so Vert.x should not warn about it.
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(16)
      .setMaxEventLoopExecuteTime(5).setMaxEventLoopExecuteTimeUnit(TimeUnit.MINUTES));
    EventRecorder events = EventRecorder.attach(vertx);
    suite = Await.result(OrchestratorSuite.deploy(vertx, config(new JsonObject().put("shards", 3))));
    web = WebClient.create(vertx);
    int port = suite.httpPort();
    assertThat(Await.result(get(web, port, "/health/ready")).statusCode()).isEqualTo(200);

    AtomicBoolean blocked = new AtomicBoolean();
    AtomicReference<String> stuckThread = new AtomicReference<>();
    String stuckPing = Addresses.shard(STUCK_SHARD, "ping");
    vertx.eventBus().addInboundInterceptor(delivery -> {
      if (stuckPing.equals(delivery.message().address()) && blocked.compareAndSet(false, true)) {
        stuckThread.set(Thread.currentThread().getName());
        try {
          release.await(); // holds the shard's event loop until the test lets go
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      delivery.next();
    });

    JsonObject unresponsive = Await.result(events.await(Events.SHARD_UNRESPONSIVE, 1), 30).get(0);
    HttpResponse<Buffer> whileStuck = Await.result(get(web, port, "/health/ready"));
    HttpResponse<Buffer> liveWhileStuck = Await.result(get(web, port, "/health/live"));
    release.countDown();
    JsonObject responsive = Await.result(events.await(Events.SHARD_RESPONSIVE, 1), 30).get(0);
    HttpResponse<Buffer> afterwards = Await.result(get(web, port, "/health/ready"));

    assertThat(stuckThread.get()).as("the interceptor ran on the shard's event loop").startsWith("vert.x-eventloop");
    assertThat(unresponsive.getInteger("shard")).isEqualTo(STUCK_SHARD);
    assertThat(unresponsive.getInteger("missedPings")).isGreaterThanOrEqualTo(2);
    assertThat(whileStuck.statusCode()).isEqualTo(503);
    assertThat(whileStuck.bodyAsString()).contains("\"unresponsiveShards\":[" + STUCK_SHARD + "]");
    assertThat(liveWhileStuck.statusCode()).isEqualTo(200);
    assertThat(responsive.getInteger("shard")).isEqualTo(STUCK_SHARD);
    assertThat(afterwards.statusCode()).isEqualTo(200);
    assertThat(events.all(Events.SHARD_UNRESPONSIVE)).extracting(event -> event.getInteger("shard"))
      .containsOnly(STUCK_SHARD);
  }

  @Test
  @DisplayName("every shard answers its readiness ping")
  void everyShardAnswersPing() {
    vertx = Vertx.vertx();
    suite = Await.result(OrchestratorSuite.deploy(vertx, config(new JsonObject().put("shards", 3))));
    for (int shard = 0; shard < suite.shardCount(); shard++) {
      Await.result(vertx.eventBus().request(Addresses.shard(shard, "ping"), null));
    }
    assertThat(suite.lifecycle().unresponsiveShards()).isEqualTo(List.of());
  }
}
