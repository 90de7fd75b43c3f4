package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OutboundVerticle} against fake providers on loopback, driven by publishing {@code messageProcessed}
 * events as a shard would, and observed through its own events.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class OutboundVerticleTest {
  private static final String TOKEN = "secret-bearer-token";
  private static final String API_KEY = "evolution-api-key";
  private static final String PHONE_NUMBER_ID = "106540352242922";

  // ---------------------------------------------------------------- request shapes

  @Test
  @DisplayName("a Cloud API reply goes to /{version}/{phone_number_id from metadata}/messages with a bearer token")
  void cloudApiRequestShape(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200), fixture("meta-cloud-send-text-response.json"));
    Future<JsonObject> delivered = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url()), null)
        .compose(id -> {
          publish(vertx, processed("16505551234", "p1", "Yes, it also comes in blue and green.")
            .put("messageId", "wamid.IN1")
            .put("message", message("wamid.IN1", new JsonObject().put("phone_number_id", PHONE_NUMBER_ID))));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> {
      assertThat(event.getString("contactId")).isEqualTo("16505551234");
      assertThat(event.getInteger("attempts")).isEqualTo(1);
      assertThat(event.getLong("latencyMs")).isNotNegative();
      assertThat(provider.requests).hasSize(1);
      Recorded request = provider.requests.get(0);
      assertThat(request.path).isEqualTo("/v21.0/" + PHONE_NUMBER_ID + "/messages");
      assertThat(request.headers.get("Authorization")).isEqualTo("Bearer " + TOKEN);
      assertThat(request.headers.get("Content-Type")).startsWith("application/json");
      JsonObject expected = new JsonObject(fixture("meta-cloud-send-text-request.json"));
      expected.remove("context");
      assertThat(request.body).isEqualTo(expected);
    });
  }

  @Test
  @DisplayName("a configured phoneNumberId is used instead of the message's metadata")
  void configuredPhoneNumberIdWins(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200));
    Future<JsonObject> delivered = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "777")), null)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "hi")
            .put("message", message("m1", new JsonObject().put("phone_number_id", PHONE_NUMBER_ID))));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> assertThat(provider.requests.get(0).path).isEqualTo("/v21.0/777/messages"));
  }

  @Test
  @DisplayName("without any phone number id the Cloud API reply fails at once as rejected, sending nothing")
  void cloudApiWithoutSenderIsRejected(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200));
    Future<JsonObject> failed = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url()), null)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "hi"));
          return probe.next(OutboundEvents.REPLY_FAILED, "p1");
        }));
    finish(ctx, failed, event -> {
      assertThat(event.getString("reason")).isEqualTo(OutboundEvents.REASON_REJECTED);
      assertThat(event.getString("error")).contains("phone_number_id");
      assertThat(provider.requests).isEmpty();
    });
  }

  @Test
  @DisplayName("an Evolution reply goes to /message/sendText/{instance from metadata} with the apikey header")
  void evolutionRequestShape(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200), fixture("evolution-send-text-response.json"));
    Future<JsonObject> delivered = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, OutboundSettings.fromJson(fast().put("type", "evolution")
          .put("url", provider.url()).put("token", API_KEY)), null)
        .compose(id -> {
          publish(vertx, processed("5511999990000", "p1", "Olá! Em que posso ajudar?")
            .put("message", message("BAE5", new JsonObject().put("instance", "sales bot"))));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> {
      Recorded request = provider.requests.get(0);
      assertThat(request.path).isEqualTo("/message/sendText/sales%20bot");
      assertThat(request.headers.get("apikey")).isEqualTo(API_KEY);
      assertThat(request.headers.contains("Authorization")).isFalse();
      JsonObject expected = new JsonObject(fixture("evolution-send-text-request.json"));
      expected.remove("delay");
      assertThat(request.body).isEqualTo(expected);
    });
  }

  @Test
  @DisplayName("an http callback receives {contactId, account, processId, inReplyTo, response}")
  void httpCallbackShape(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200));
    Future<JsonObject> delivered = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, OutboundSettings.fromJson(fast().put("type", "http")
          .put("url", provider.url() + "/hooks/replies")), null)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "the answer").put("messageId", "m1")
            .put("message", message("m1", null)));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> {
      Recorded request = provider.requests.get(0);
      assertThat(request.path).isEqualTo("/hooks/replies");
      assertThat(request.body).isEqualTo(new JsonObject().put("contactId", "c1").put("processId", "p1")
        .put("inReplyTo", "m1").put("response", "the answer").put("account", "default"));
    });
  }

  @Test
  @DisplayName("the log sender reports every reply delivered")
  void logSenderDelivers(Vertx vertx, VertxTestContext ctx) {
    Future<JsonObject> delivered = Probe.start(vertx)
      .compose(probe -> deploy(vertx, OutboundSettings.fromJson(new JsonObject()), null)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "hello"));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> assertThat(event.getInteger("attempts")).isEqualTo(1));
  }

  // ---------------------------------------------------------------- retries

  @Test
  @DisplayName("500 and 429 answers are retried until the provider accepts: delivered with attempts = 3")
  void retriesServerErrorsThenDelivers(Vertx vertx, VertxTestContext ctx) {
    List<Integer> statuses = List.of(500, 429, 200);
    FakeProvider provider = new FakeProvider(vertx, request -> Future.succeededFuture(statuses.get(request.index)));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Future<JsonObject> delivered = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")), registry)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "hi"));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> {
      assertThat(event.getInteger("attempts")).isEqualTo(3);
      assertThat(provider.requests).hasSize(3);
      assertThat(count(registry, "delivered")).isEqualTo(1);
      assertThat(count(registry, "failed")).isZero();
    });
  }

  @Test
  @DisplayName("an attempt the provider never answers times out and is retried")
  void timedOutAttemptIsRetried(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, request -> request.index == 0
      ? Promise.<Integer>promise().future() : Future.succeededFuture(200));
    Future<JsonObject> delivered = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")
          .put("timeout", 200)), null)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "hi"));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> {
      assertThat(event.getInteger("attempts")).isEqualTo(2);
      assertThat(provider.requests).hasSize(2);
    });
  }

  @Test
  @DisplayName("a 400 is permanent: replyFailed after one attempt, no retry")
  void badRequestFailsWithoutRetry(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(400),
      "{\"error\":{\"message\":\"(#100) Invalid parameter\"}}");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Future<JsonObject> failed = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")), registry)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "hi"));
          return probe.next(OutboundEvents.REPLY_FAILED, "p1");
        }));
    finish(ctx, failed, event -> {
      assertThat(event.getString("contactId")).isEqualTo("c1");
      assertThat(event.getInteger("attempts")).isEqualTo(1);
      assertThat(event.getString("reason")).isEqualTo(OutboundEvents.REASON_REJECTED);
      assertThat(event.getString("error")).contains("HTTP 400").contains("Invalid parameter")
        .doesNotContain(TOKEN);
      assertThat(provider.requests).hasSize(1);
      assertThat(count(registry, "failed")).isEqualTo(1);
    });
  }

  @Test
  @DisplayName("when every one of maxAttempts attempts fails with 503 the reply fails as exhausted")
  void exhaustedAttemptsFail(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(503), "busy");
    Future<JsonObject> failed = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")
          .put("maxAttempts", 3)), null)
        .compose(id -> {
          publish(vertx, processed("c1", "p1", "hi"));
          return probe.next(OutboundEvents.REPLY_FAILED, "p1");
        }));
    finish(ctx, failed, event -> {
      assertThat(event.getInteger("attempts")).isEqualTo(3);
      assertThat(event.getString("reason")).isEqualTo(OutboundEvents.REASON_EXHAUSTED);
      assertThat(event.getString("error")).contains("HTTP 503");
      assertThat(provider.requests).hasSize(3);
    });
  }

  // ---------------------------------------------------------------- once, in order, bounded

  @Test
  @DisplayName("a contact's replies reach the provider in processed order even when the first is slow, "
    + "while another contact's reply is not held up")
  void perContactOrderWithoutHeadOfLineBlockingAcrossContacts(Vertx vertx, VertxTestContext ctx) {
    Promise<Integer> otherContactArrived = Promise.promise();
    FakeProvider provider = new FakeProvider(vertx, request -> {
      String text = request.body.getJsonObject("text").getString("body");
      if (text.equals("b1")) {
        otherContactArrived.tryComplete(200);
      }
      // The first reply of contact A is answered only once contact B's reply has reached the provider.
      return text.equals("a1") ? otherContactArrived.future() : Future.succeededFuture(200);
    });
    Future<Probe> done = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")), null)
        .compose(id -> {
          publish(vertx, processed("A", "pa1", "a1"));
          publish(vertx, processed("A", "pa2", "a2"));
          publish(vertx, processed("A", "pa3", "a3"));
          publish(vertx, processed("B", "pb1", "b1"));
          return Future.all(probe.next(OutboundEvents.REPLY_DELIVERED, "pa3"),
            probe.next(OutboundEvents.REPLY_DELIVERED, "pb1")).map(probe);
        }));
    finish(ctx, done, probe -> {
      List<String> arrivals = provider.texts();
      assertThat(arrivals).filteredOn(text -> text.startsWith("a")).containsExactly("a1", "a2", "a3");
      assertThat(arrivals.indexOf("b1")).isLessThan(arrivals.indexOf("a2"));
      assertThat(probe.log()).containsSubsequence("replyDelivered:pa1", "replyDelivered:pa2",
        "replyDelivered:pa3");
    });
  }

  @Test
  @DisplayName("a contact's later reply waits while its earlier one is being retried")
  void retriesKeepPerContactOrder(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, request -> Future.succeededFuture(request.index < 2 ? 502 : 200));
    Future<Probe> done = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")), null)
        .compose(id -> {
          publish(vertx, processed("A", "p1", "one"));
          publish(vertx, processed("A", "p2", "two"));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p2").map(probe);
        }));
    finish(ctx, done, probe -> {
      assertThat(provider.texts()).containsExactly("one", "one", "one", "two");
      assertThat(probe.log()).containsExactly("replyDelivered:p1", "replyDelivered:p2");
    });
  }

  @Test
  @DisplayName("beyond maxPending a reply fails at once as overloaded; freed capacity is used again")
  void overflowFailsAsOverloaded(Vertx vertx, VertxTestContext ctx) {
    Promise<Integer> release = Promise.promise();
    FakeProvider provider = new FakeProvider(vertx, request -> request.index == 0 ? release.future()
      : Future.succeededFuture(200));
    Future<JsonObject> done = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")
          .put("maxPending", 1)), null)
        .compose(id -> {
          publish(vertx, processed("A", "p1", "one"));
          publish(vertx, processed("B", "p2", "two"));
          return probe.next(OutboundEvents.REPLY_FAILED, "p2");
        })
        .compose(overloaded -> {
          ctx.verify(() -> {
            assertThat(overloaded.getString("reason")).isEqualTo(OutboundEvents.REASON_OVERLOADED);
            assertThat(overloaded.getInteger("attempts")).isZero();
          });
          release.complete(200);
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        })
        .compose(first -> {
          publish(vertx, processed("B", "p3", "three"));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p3");
        }));
    finish(ctx, done, event -> assertThat(provider.texts()).containsExactly("one", "three"));
  }

  // ---------------------------------------------------------------- fallbacks and bad events

  @Test
  @DisplayName("fallback replies are delivered by default")
  void fallbackRepliesAreSent(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200));
    Future<JsonObject> delivered = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")), null)
        .compose(id -> {
          publish(vertx, fallback("c1", "p1", "Sorry, try again later."));
          return probe.next(OutboundEvents.REPLY_DELIVERED, "p1");
        }));
    finish(ctx, delivered, event -> assertThat(provider.texts()).containsExactly("Sorry, try again later."));
  }

  @Test
  @DisplayName("with sendFallbacks=false a fallback reply is skipped with replySkipped, later replies still go")
  void fallbackRepliesAreSkippedWhenDisabled(Vertx vertx, VertxTestContext ctx) {
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Future<JsonObject> done = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")
          .put("sendFallbacks", false)), registry)
        .compose(id -> {
          publish(vertx, fallback("c1", "p1", "Sorry, try again later."));
          publish(vertx, processed("c1", "p2", "real answer"));
          return probe.next(OutboundEvents.REPLY_SKIPPED, "p1")
            .compose(skipped -> probe.next(OutboundEvents.REPLY_DELIVERED, "p2").map(skipped));
        }));
    finish(ctx, done, skipped -> {
      assertThat(skipped.getString("reason")).isEqualTo(OutboundEvents.REASON_FALLBACK);
      assertThat(skipped.getString("contactId")).isEqualTo("c1");
      assertThat(provider.texts()).containsExactly("real answer");
      assertThat(count(registry, "skipped")).isEqualTo(1);
    });
  }

  @Test
  @DisplayName("an event without a response fails as invalid instead of vanishing")
  void invalidEventFails(Vertx vertx, VertxTestContext ctx) {
    Future<JsonObject> failed = Probe.start(vertx)
      .compose(probe -> deploy(vertx, OutboundSettings.fromJson(new JsonObject()), null)
        .compose(id -> {
          publish(vertx, new JsonObject().put("contactId", "c1").put("processId", "p1"));
          return probe.next(OutboundEvents.REPLY_FAILED, "p1");
        }));
    finish(ctx, failed, event -> {
      assertThat(event.getString("reason")).isEqualTo(OutboundEvents.REASON_INVALID);
      assertThat(event.getString("error")).contains("response");
    });
  }

  // ---------------------------------------------------------------- deployment and shutdown

  @Test
  @DisplayName("deploying more than one instance fails: each would send every reply")
  void moreThanOneInstanceIsRefused(Vertx vertx, VertxTestContext ctx) {
    OutboundSettings settings = OutboundSettings.fromJson(new JsonObject());
    vertx.deployVerticle(() -> new OutboundVerticle(settings, 0), new DeploymentOptions().setInstances(2))
      .onComplete(ctx.failing(failure -> ctx.verify(() -> {
        assertThat(failure).hasMessageContaining("exactly one");
        ctx.completeNow();
      })));
  }

  @Test
  @DisplayName("stop lets queued deliveries finish within the grace period")
  void stopDrainsQueuedDeliveries(Vertx vertx, VertxTestContext ctx) {
    Promise<Void> firstArrived = Promise.promise();
    FakeProvider provider = new FakeProvider(vertx, request -> {
      if (request.index > 0) {
        return Future.succeededFuture(200);
      }
      firstArrived.tryComplete();
      Promise<Integer> slow = Promise.promise();
      vertx.setTimer(200, id -> slow.complete(200));
      return slow.future();
    });
    Future<Probe> done = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")), null, 10_000)
        .compose(id -> {
          publish(vertx, processed("A", "p1", "one"));
          publish(vertx, processed("A", "p2", "two"));
          return firstArrived.future().compose(v -> vertx.undeploy(id));
        })
        .compose(undeployed -> Future.all(probe.next(OutboundEvents.REPLY_DELIVERED, "p1"),
          probe.next(OutboundEvents.REPLY_DELIVERED, "p2")))
        .map(probe));
    finish(ctx, done, probe -> {
      assertThat(probe.log()).noneMatch(event -> event.startsWith(OutboundEvents.REPLY_FAILED));
      assertThat(provider.texts()).containsExactly("one", "two");
    });
  }

  @Test
  @DisplayName("replies still undelivered when the grace period ends fail with reason shutting_down")
  void stopFailsWhatIsLeftAfterGrace(Vertx vertx, VertxTestContext ctx) {
    Promise<Void> firstArrived = Promise.promise();
    FakeProvider provider = new FakeProvider(vertx, request -> {
      firstArrived.tryComplete();
      return Promise.<Integer>promise().future();
    });
    Future<List<JsonObject>> done = provider.start()
      .compose(p -> Probe.start(vertx))
      .compose(probe -> deploy(vertx, cloud(provider.url(), new JsonObject().put("phoneNumberId", "1")), null, 100)
        .compose(id -> {
          publish(vertx, processed("A", "p1", "one"));
          publish(vertx, processed("A", "p2", "two"));
          return firstArrived.future().compose(v -> vertx.undeploy(id));
        })
        .compose(v -> Future.all(probe.next(OutboundEvents.REPLY_FAILED, "p1"),
          probe.next(OutboundEvents.REPLY_FAILED, "p2")))
        .map(all -> List.of(all.<JsonObject>resultAt(0), all.<JsonObject>resultAt(1))));
    finish(ctx, done, failures -> {
      assertThat(failures).extracting(event -> event.getString("reason"))
        .containsOnly(OutboundEvents.REASON_SHUTTING_DOWN);
      assertThat(failures.get(0).getInteger("attempts")).isEqualTo(1);
      assertThat(failures.get(1).getInteger("attempts")).isZero();
      assertThat(provider.texts()).containsExactly("one");
    });
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject fast() {
    return new JsonObject().put("initialBackoff", 10).put("maxBackoff", 40).put("timeout", 2_000);
  }

  private static OutboundSettings cloud(String url) {
    return cloud(url, new JsonObject());
  }

  private static OutboundSettings cloud(String url, JsonObject overrides) {
    return OutboundSettings.fromJson(fast().put("type", "whatsapp-cloud").put("url", url).put("token", TOKEN)
      .mergeIn(overrides));
  }

  private static Future<String> deploy(Vertx vertx, OutboundSettings settings, MeterRegistry registry) {
    return deploy(vertx, settings, registry, 1_000);
  }

  private static Future<String> deploy(Vertx vertx, OutboundSettings settings, MeterRegistry registry, long grace) {
    return vertx.deployVerticle(new OutboundVerticle(settings, grace, registry));
  }

  /** A {@code messageProcessed} event as {@code orchestrator.OrchestratorEvents.messageProcessed} builds it. */
  private static JsonObject processed(String contactId, String processId, String response) {
    return new JsonObject().put("contactId", contactId).put("processId", processId).put("messageId", "m-" + processId)
      .put("outcome", "processed").put("response", response).put("fallback", false).put("queued", false)
      .put("duration", 5).put("message", message("m-" + processId, null));
  }

  private static JsonObject fallback(String contactId, String processId, String response) {
    return processed(contactId, processId, response).put("outcome", "timed_out").put("fallback", true);
  }

  private static JsonObject message(String messageId, JsonObject metadata) {
    JsonObject message = new JsonObject().put("text", "question").put("messageId", messageId).put("type", "text")
      .put("timestamp", 1_717_689_097_000L);
    return metadata == null ? message : message.put("metadata", metadata);
  }

  private static void publish(Vertx vertx, JsonObject event) {
    vertx.eventBus().publish(Addresses.event(Events.MESSAGE_PROCESSED), event);
  }

  private static double count(MeterRegistry registry, String result) {
    return registry.get(ReplyMetrics.REPLIES).tag("result", result).counter().count();
  }

  private static String fixture(String name) {
    try (InputStream in = OutboundVerticleTest.class.getResourceAsStream("/fixtures/whatsapp/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("missing fixture " + name, e);
    }
  }

  private static <T> void finish(VertxTestContext ctx, Future<T> future, ThrowingConsumer<T> assertions) {
    future.onComplete(ctx.succeeding(value -> ctx.verify(() -> {
      assertions.accept(value);
      ctx.completeNow();
    })));
  }

  @FunctionalInterface
  interface ThrowingConsumer<T> {
    void accept(T value) throws Throwable;
  }

  /** One request the fake provider received. */
  record Recorded(int index, String path, MultiMap headers, JsonObject body) {
  }

  /**
   * A provider on loopback: records each request in arrival order and answers with the status its responder's
   * future completes with (a future that never completes: the provider never answers).
   */
  static final class FakeProvider {
    final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final Vertx vertx;
    private final Function<Recorded, Future<Integer>> responder;
    private final String responseBody;
    private HttpServer server;

    FakeProvider(Vertx vertx, Function<Recorded, Future<Integer>> responder) {
      this(vertx, responder, "{}");
    }

    FakeProvider(Vertx vertx, Function<Recorded, Future<Integer>> responder, String responseBody) {
      this.vertx = vertx;
      this.responder = responder;
      this.responseBody = responseBody;
    }

    static Function<Recorded, Future<Integer>> always(int status) {
      return request -> Future.succeededFuture(status);
    }

    Future<FakeProvider> start() {
      server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
        Recorded recorded = new Recorded(requests.size(), request.uri(), MultiMap.caseInsensitiveMultiMap()
          .addAll(request.headers()), body.length() == 0 ? null : body.toJsonObject());
        requests.add(recorded);
        responder.apply(recorded).onSuccess(status -> request.response().setStatusCode(status)
          .putHeader("Content-Type", "application/json").end(responseBody));
      }));
      return server.listen(0, "127.0.0.1").map(this);
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    /** The reply texts in arrival order, whatever the provider's body shape. */
    List<String> texts() {
      List<String> texts = new ArrayList<>();
      for (Recorded request : requests) {
        JsonObject text = request.body.getValue("text") instanceof JsonObject cloud ? cloud : null;
        texts.add(text != null ? text.getString("body") : request.body.getString("text",
          request.body.getString("response")));
      }
      return texts;
    }
  }

  /** Records every outbound event from before deployment, so none is missed, and hands them out by processId. */
  static final class Probe {
    private final Map<String, Promise<JsonObject>> events = new HashMap<>();
    private final List<String> log = new ArrayList<>();

    static Future<Probe> start(Vertx vertx) {
      Probe probe = new Probe();
      List<Future<Void>> registrations = new ArrayList<>();
      for (String event : OutboundEvents.ALL) {
        registrations.add(vertx.eventBus().<JsonObject>consumer(Addresses.event(event),
          message -> probe.record(event, message.body())).completion());
      }
      return Future.all(registrations).map(probe);
    }

    private synchronized void record(String event, JsonObject body) {
      String key = event + ":" + body.getString("processId");
      log.add(key);
      promise(key).tryComplete(body);
    }

    synchronized Future<JsonObject> next(String event, String processId) {
      return promise(event + ":" + processId).future();
    }

    synchronized List<String> log() {
      return List.copyOf(log);
    }

    private Promise<JsonObject> promise(String key) {
      return events.computeIfAbsent(key, k -> Promise.promise());
    }
  }
}
