package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.Events;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.messageorchestrator.http.WebhookHttp.config;
import static io.messageorchestrator.http.WebhookHttp.get;
import static io.messageorchestrator.http.WebhookHttp.isJson;
import static io.messageorchestrator.http.WebhookHttp.postJson;
import static org.assertj.core.api.Assertions.assertThat;

/** HTTP answers when the orchestrator cannot take a message: a full queue, and a shutdown in progress. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
@DisplayName("POST /webhook under back-pressure and shutdown")
class BackpressureAndShutdownTest {
  private static final String BLOCKED = "blocked-contact";

  /** Released by the test (and always in tear-down): until then every agent call blocks. */
  private final CountDownLatch release = new CountDownLatch(1);
  private OrchestratorSuite suite;
  private WebClient web;
  private int port;
  private Vertx vertx;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    web = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown(VertxTestContext testContext) {
    release.countDown();
    web.close();
    Suites.stopIfStarted(suite, testContext);
  }

  /** Deploys with an agent that blocks until {@link #release}; completes when the lock of {@link #BLOCKED} is held. */
  private Future<Void> deployBlocked(JsonObject overrides, Promise<Void> blockedLockAcquired) {
    return OrchestratorSuite.deploy(vertx, config(overrides), OrchestratorSuite.Options.defaults()
        .withProcessor((message, context) -> {
          release.await();
          return AgentReply.of("done: " + message.text());
        }))
      .compose(deployed -> {
        suite = deployed;
        port = deployed.httpPort();
        return suite.client().on(Events.LOCK_ACQUIRED, event -> {
          if (BLOCKED.equals(event.getString("contactId"))) {
            blockedLockAcquired.tryComplete();
          }
        }).completion();
      });
  }

  private static JsonObject webhook(String contactId, String text) {
    return new JsonObject().put("contactId", contactId).put("message", new JsonObject().put("text", text));
  }

  /** A contact id owned (or not owned) by the shard of {@link #BLOCKED}. */
  private String contactInShard(boolean sameShard) {
    int blockedShard = ContactIds.shardOf(BLOCKED, suite.shardCount());
    return IntStream.range(0, 1_000).mapToObj(i -> "contact-" + i)
      .filter(id -> (ContactIds.shardOf(id, suite.shardCount()) == blockedShard) == sameShard)
      .findFirst().orElseThrow();
  }

  @Test
  @DisplayName("a contact whose queue is full gets 429 with Retry-After and reason queue_full")
  void fullQueueIsTooManyRequests(VertxTestContext testContext) {
    Promise<Void> locked = Promise.promise();
    deployBlocked(new JsonObject().put("maxQueueSize", 1).put("lockTimeout", 0), locked)
      .onComplete(testContext.succeeding(ready -> {
        Future<HttpResponse<Buffer>> first = postJson(web, port, webhook(BLOCKED, "one"));
        locked.future()
          .compose(v -> postJson(web, port, webhook(BLOCKED, "two")))
          .compose(second -> postJson(web, port, webhook(BLOCKED, "three"))
            .map(third -> java.util.List.of(second, third)))
          .onComplete(testContext.succeeding(answers -> {
            testContext.verify(() -> {
              HttpResponse<Buffer> second = answers.get(0);
              assertThat(second.statusCode()).isEqualTo(200);
              assertThat(second.bodyAsJsonObject().getString("status")).isEqualTo("queued");
              assertThat(second.bodyAsJsonObject().getBoolean("queued")).isTrue();
              assertThat(second.bodyAsJsonObject().getInteger("queuePosition")).isEqualTo(1);

              HttpResponse<Buffer> third = answers.get(1);
              assertThat(third.statusCode()).isEqualTo(429);
              assertThat(isJson(third)).isTrue();
              assertThat(third.getHeader("Retry-After")).isNotBlank();
              assertThat(third.bodyAsJsonObject().getString("reason")).isEqualTo("queue_full");
              assertThat(third.bodyAsJsonObject().getString("status")).isEqualTo("rejected");
            });
            release.countDown();
            first.onComplete(testContext.succeeding(firstAnswer -> testContext.verify(() -> {
              assertThat(firstAnswer.statusCode()).isEqualTo(200);
              assertThat(firstAnswer.bodyAsJsonObject().getString("response")).isEqualTo("done: one");
              testContext.completeNow();
            })));
          }));
      }));
  }

  @Test
  @DisplayName("while stop() drains, a POST gets 503 shutting_down, /health is 503 and /health/live stays 200")
  void drainingRefusesNewMessages(VertxTestContext testContext) {
    Promise<Void> locked = Promise.promise();
    deployBlocked(new JsonObject().put("shutdownGracePeriod", 5_000), locked)
      .onComplete(testContext.succeeding(ready -> {
        Future<HttpResponse<Buffer>> inFlight = postJson(web, port, webhook(BLOCKED, "in flight"));
        locked.future().onComplete(testContext.succeeding(v -> {
          Future<JsonObject> stopped = suite.stop();
          Future<HttpResponse<Buffer>> refused = postJson(web, port, webhook(contactInShard(true), "too late"));
          Future<HttpResponse<Buffer>> health = get(web, port, "/health");
          Future<HttpResponse<Buffer>> live = get(web, port, "/health/live");
          Future.all(refused, health, live).onComplete(testContext.succeeding(all -> {
            testContext.verify(() -> {
              assertThat(stopped.isComplete()).as("still draining").isFalse();
              assertThat(refused.result().statusCode()).isEqualTo(503);
              assertThat(isJson(refused.result())).isTrue();
              assertThat(refused.result().bodyAsJsonObject().getString("reason")).isEqualTo("shutting_down");
              assertThat(health.result().statusCode()).isEqualTo(503);
              assertThat(live.result().statusCode()).isEqualTo(200);
            });
            release.countDown();
            Future.all(inFlight, stopped).onComplete(testContext.succeeding(done -> testContext.verify(() -> {
              assertThat(inFlight.result().statusCode()).isEqualTo(200);
              assertThat(inFlight.result().bodyAsJsonObject().getString("response")).isEqualTo("done: in flight");
              assertThat(stopped.result().getInteger("messagesDropped")).isZero();
              assertThat(stopped.result().getInteger("locksReleased")).isZero();
              testContext.completeNow();
            })));
          }));
        }));
      }));
  }

  @Test
  @DisplayName("while stop() drains, a POST for a contact of an idle shard also gets 503 shutting_down")
  void drainingRefusesMessagesForIdleShards(VertxTestContext testContext) {
    Promise<Void> locked = Promise.promise();
    deployBlocked(new JsonObject().put("shutdownGracePeriod", 5_000), locked)
      .onComplete(testContext.succeeding(ready -> {
        postJson(web, port, webhook(BLOCKED, "in flight"));
        locked.future().onComplete(testContext.succeeding(v -> {
          Future<JsonObject> stopped = suite.stop();
          postJson(web, port, webhook(contactInShard(false), "too late"))
            .onComplete(testContext.succeeding(refused -> {
              testContext.verify(() -> {
                assertThat(stopped.isComplete()).as("still draining").isFalse();
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.bodyAsJsonObject().getString("reason"))
                  .as("body %s", refused.bodyAsString()).isEqualTo("shutting_down");
              });
              release.countDown();
              stopped.onComplete(testContext.succeedingThenComplete());
            }));
        }));
      }));
  }
}
