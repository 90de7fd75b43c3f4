package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.journal.ReplyState;
import io.messageorchestrator.outbound.OutboundVerticleTest.FakeProvider;
import io.messageorchestrator.outbound.OutboundVerticleTest.Probe;
import io.messageorchestrator.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * J4–J6b: reply delivery as an outbox — journal marks, replies recovered at start, retries bounded by
 * {@code outbound.retryFor}, a provider outage that delays replies without losing them, and the resend address.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class OutboundOutboxTest {
  private static final String BUSINESS_NUMBER = "106540352242922";

  @Test
  @DisplayName("replies the journal recovered go first, from the number the conversation is with, before a newer "
    + "reply of the same contact; each is marked delivered")
  void recoveredRepliesGoFirst(Vertx vertx) {
    RecordingJournal journal = new RecordingJournal();
    journal.pendingReply("p-r1", BUSINESS_NUMBER, "A", "recovered one");
    journal.pendingReply("p-r2", BUSINESS_NUMBER, "A", "recovered two");
    List<Recovery.PendingReply> recovered = Await.result(journal.recover()).replies();
    assertThat(recovered).hasSize(2);
    Promise<Integer> release = Promise.promise();
    FakeProvider provider = new FakeProvider(vertx, request -> request.index() == 0 ? release.future()
      : Future.succeededFuture(200));
    Await.result(provider.start());
    Probe probe = Await.result(Probe.start(vertx));
    Await.result(vertx.deployVerticle(new OutboundVerticle(cloud(provider.url()), 1_000, null, null, journal,
      recovered)));

    // The first recovered reply is in flight at the provider: a newer reply of the conversation arrives now.
    JsonObject newer = processed("A", "p-new", "newer").put("account", BUSINESS_NUMBER);
    newer.getJsonObject("message").put("metadata", new JsonObject().put("phone_number_id", BUSINESS_NUMBER));
    publish(vertx, newer);
    release.complete(200);

    Await.result(probe.next(OutboundEvents.REPLY_DELIVERED, "p-new"));
    assertThat(provider.texts()).containsExactly("recovered one", "recovered two", "newer");
    assertThat(provider.requests).extracting(OutboundVerticleTest.Recorded::path)
      .containsOnly("/v21.0/" + BUSINESS_NUMBER + "/messages");
    assertThat(Await.result(journal.mark("p-new"))).isEqualTo(ReplyState.DELIVERED);
    assertThat(journal.marks()).containsExactly("p-r1:delivered", "p-r2:delivered", "p-new:delivered");
    assertThat(Await.result(journal.recover()).replies()).as("nothing left pending").isEmpty();
  }

  @Test
  @DisplayName("a reply given up is marked failed, a reply dead letter; a skipped fallback is not marked")
  void givenUpReplyIsDeadLettered(Vertx vertx) {
    RecordingJournal journal = new RecordingJournal();
    journal.pendingReply("p1", "default", "c1", "hi");
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(400), "{\"error\":{\"message\":\"bad\"}}");
    Await.result(provider.start());
    Probe probe = Await.result(Probe.start(vertx));
    Await.result(vertx.deployVerticle(new OutboundVerticle(cloud(provider.url(), new JsonObject()
      .put("phoneNumberId", "1").put("sendFallbacks", false)), 1_000, null, null, journal, List.of())));

    publish(vertx, processed("c1", "p0", "Sorry").put("outcome", "failed").put("fallback", true));
    publish(vertx, processed("c1", "p1", "hi"));

    JsonObject failed = Await.result(probe.next(OutboundEvents.REPLY_FAILED, "p1"));
    assertThat(failed.getString("reason")).isEqualTo(OutboundEvents.REASON_REJECTED);
    assertThat(Await.result(journal.mark("p1"))).isEqualTo(ReplyState.FAILED);
    Await.result(probe.next(OutboundEvents.REPLY_SKIPPED, "p0"));
    assertThat(journal.marks()).containsExactly("p1:failed");
    List<JsonObject> deadLetters = Await.result(journal.deadLetters(10, 0));
    assertThat(deadLetters).extracting(letter -> letter.getString("processId")).containsExactly("p1");
    assertThat(deadLetters.get(0).getString("replyState")).isEqualTo("failed");
  }

  @Test
  @DisplayName("a reply still waiting when the shutdown grace ends stays pending in the journal (delivered at the "
    + "next start), not dead-lettered")
  void shutdownLeavesRepliesPending(Vertx vertx) {
    RecordingJournal journal = new RecordingJournal();
    journal.pendingReply("p1", "default", "c1", "hi");
    Promise<Void> arrived = Promise.promise();
    FakeProvider provider = new FakeProvider(vertx, request -> {
      arrived.tryComplete();
      return Promise.<Integer>promise().future(); // never answers
    });
    Await.result(provider.start());
    Probe probe = Await.result(Probe.start(vertx));
    String id = Await.result(vertx.deployVerticle(new OutboundVerticle(cloud(provider.url(),
      new JsonObject().put("phoneNumberId", "1")), 100, null, null, journal, List.of())));
    publish(vertx, processed("c1", "p1", "hi"));

    Await.result(arrived.future());
    Await.result(vertx.undeploy(id));
    JsonObject failed = Await.result(probe.next(OutboundEvents.REPLY_FAILED, "p1"));

    assertThat(failed.getString("reason")).isEqualTo(OutboundEvents.REASON_SHUTTING_DOWN);
    assertThat(journal.marks()).isEmpty();
    assertThat(Await.result(journal.recover()).replies()).extracting(Recovery.PendingReply::processId)
      .containsExactly("p1");
  }

  @Test
  @DisplayName("retryable failures are retried until outbound.retryFor has passed since the first attempt, then "
    + "the reply fails as exhausted and is dead-lettered")
  void retryForIsTheStopCondition(Vertx vertx) {
    long retryFor = 600;
    long maxBackoff = 80;
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    FakeProvider provider = new FakeProvider(vertx, request -> {
      arrivals.add(System.nanoTime());
      return Future.succeededFuture(503);
    });
    RecordingJournal journal = new RecordingJournal();
    Await.result(provider.start());
    Probe probe = Await.result(Probe.start(vertx));
    Await.result(vertx.deployVerticle(new OutboundVerticle(cloud(provider.url(), new JsonObject()
      .put("phoneNumberId", "1").put("retryFor", retryFor).put("initialBackoff", 20).put("maxBackoff", maxBackoff)),
      1_000, null, null, journal, List.of())));

    long published = System.nanoTime(); // the first attempt starts after this
    publish(vertx, processed("c1", "p1", "hi"));

    JsonObject failed = Await.result(probe.next(OutboundEvents.REPLY_FAILED, "p1"));
    assertThat(failed.getString("reason")).isEqualTo(OutboundEvents.REASON_EXHAUSTED);
    assertThat(failed.getInteger("attempts")).as("no attempt cap by default").isGreaterThan(5)
      .isEqualTo(provider.requests.size());
    long lastAttemptMs = (arrivals.get(arrivals.size() - 1) - published) / 1_000_000;
    assertThat(lastAttemptMs).as("the last attempt, ms after the reply was published")
      .isGreaterThanOrEqualTo(retryFor - maxBackoff).isLessThan(retryFor + 1_000);
    assertThat(Await.result(journal.mark("p1"))).isEqualTo(ReplyState.FAILED);
  }

  @Test
  @DisplayName("a provider answering 500 for 5 s delays replies but loses none: every reply delivered, in "
    + "per-contact order, none failed")
  void providerOutageLosesNothing(Vertx vertx) {
    long outageMs = 5_000;
    AtomicLong outageStart = new AtomicLong();
    List<String> answered = new CopyOnWriteArrayList<>(); // "<text>:<status>" in arrival order
    FakeProvider provider = new FakeProvider(vertx, request -> {
      long now = System.nanoTime();
      outageStart.compareAndSet(0, now);
      int status = now - outageStart.get() < outageMs * 1_000_000 ? 500 : 200;
      answered.add(request.body().getJsonObject("text").getString("body") + ":" + status);
      return Future.succeededFuture(status);
    });
    RecordingJournal journal = new RecordingJournal();
    Await.result(provider.start());
    Probe probe = Await.result(Probe.start(vertx));
    // Default maxAttempts (no cap) and retryFor (1 h); a fast backoff so the test ends soon after the outage.
    Await.result(vertx.deployVerticle(new OutboundVerticle(cloud(provider.url(), new JsonObject()
      .put("phoneNumberId", "1").put("initialBackoff", 50).put("maxBackoff", 500)
      .put("maxAttempts", OutboundSettings.defaults().getInteger("maxAttempts"))), 1_000, null, null, journal,
      List.of())));
    List<String> contacts = List.of("A", "B", "C", "D");
    int perContact = 5;
    List<Future<?>> ended = new ArrayList<>();
    for (int n = 1; n <= perContact; n++) {
      for (String contact : contacts) {
        String processId = contact + n;
        publish(vertx, processed(contact, processId, contact + "-" + n));
        ended.add(Future.any(probe.next(OutboundEvents.REPLY_DELIVERED, processId),
          probe.next(OutboundEvents.REPLY_FAILED, processId)));
      }
    }

    Await.result(Future.all(ended), 25);
    assertThat(probe.log()).noneMatch(event -> event.startsWith(OutboundEvents.REPLY_FAILED));
    assertThat(answered).as("the outage was hit").anyMatch(line -> line.endsWith(":500"));
    for (String contact : contacts) {
      List<String> accepted = answered.stream().filter(line -> line.startsWith(contact + "-")
        && line.endsWith(":200")).map(line -> line.substring(0, line.indexOf(':'))).toList();
      List<String> expected = new ArrayList<>();
      for (int n = 1; n <= perContact; n++) {
        expected.add(contact + "-" + n);
      }
      assertThat(accepted).as("replies of %s accepted by the provider", contact).isEqualTo(expected);
      List<String> tried = answered.stream().filter(line -> line.startsWith(contact + "-"))
        .map(line -> line.substring(0, line.indexOf(':'))).toList();
      assertThat(tried).as("a later reply of %s is never tried before an earlier one is delivered", contact)
        .isSortedAccordingTo(String::compareTo);
    }
    for (int n = 1; n <= perContact; n++) {
      for (String contact : contacts) {
        assertThat(Await.result(journal.mark(contact + n))).isEqualTo(ReplyState.DELIVERED);
      }
    }
    assertThat(journal.marks()).hasSize(contacts.size() * perContact);
  }

  @Test
  @DisplayName("orchestrator.outbound.resend queues a reply again (answered once queued) and delivers it; an "
    + "invalid request fails with 400")
  void resendAddress(Vertx vertx) {
    RecordingJournal journal = new RecordingJournal();
    FakeProvider provider = new FakeProvider(vertx, FakeProvider.always(200));
    Await.result(provider.start());
    Probe probe = Await.result(Probe.start(vertx));
    Await.result(vertx.deployVerticle(new OutboundVerticle(cloud(provider.url()), 1_000, null, null, journal,
      List.of())));

    JsonObject answer = Await.result(vertx.eventBus().<JsonObject>request(Addresses.OUTBOUND_RESEND,
      new JsonObject().put("processId", "p-dead").put("contactId", "c1").put("account", BUSINESS_NUMBER)
        .put("response", "sent again").put("metadata", new JsonObject().put("phone_number_id", BUSINESS_NUMBER))))
      .body();

    assertThat(answer).isEqualTo(new JsonObject().put("queued", true).put("processId", "p-dead"));
    Await.result(probe.next(OutboundEvents.REPLY_DELIVERED, "p-dead"));
    assertThat(provider.texts()).containsExactly("sent again");
    assertThat(provider.requests.get(0).path()).isEqualTo("/v21.0/" + BUSINESS_NUMBER + "/messages");
    assertThat(Await.result(journal.mark("p-dead"))).isEqualTo(ReplyState.DELIVERED);

    Throwable invalid = Await.failure(vertx.eventBus().request(Addresses.OUTBOUND_RESEND,
      new JsonObject().put("processId", "p2").put("contactId", "c1")));
    assertThat(invalid).isInstanceOf(ReplyException.class).hasMessageContaining("response");
    assertThat(((ReplyException) invalid).failureCode()).isEqualTo(400);
  }

  // ---------------------------------------------------------------- helpers

  private static OutboundSettings cloud(String url) {
    return cloud(url, new JsonObject());
  }

  private static OutboundSettings cloud(String url, JsonObject overrides) {
    return OutboundSettings.fromJson(new JsonObject().put("type", "whatsapp-cloud").put("url", url)
      .put("token", "t").put("initialBackoff", 10).put("maxBackoff", 40).put("timeout", 2_000).mergeIn(overrides));
  }

  private static JsonObject processed(String contactId, String processId, String response) {
    return new JsonObject().put("contactId", contactId).put("processId", processId).put("messageId", "m-" + processId)
      .put("outcome", "processed").put("response", response).put("fallback", false).put("queued", false)
      .put("duration", 5).put("message", new JsonObject().put("text", "question").put("messageId", "m-" + processId));
  }

  private static void publish(Vertx vertx, JsonObject event) {
    vertx.eventBus().publish(Addresses.event(Events.MESSAGE_PROCESSED), event);
  }
}
