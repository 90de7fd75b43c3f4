package io.messageorchestrator.orchestrator;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
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

/** H7 (R12): at most {@code maxContacts} remembered contacts; the longest idle go first, busy ones never. */
@ExtendWith(VertxExtension.class)
class MaxContactsTest {
  private static final JsonObject TWO_CONTACTS = new JsonObject().put("maxContacts", 2).put("lockTimeout", 0);

  @Test
  @DisplayName("a new contact beyond maxContacts makes the longest-idle contact be forgotten; its recent ids stay duplicates")
  void longestIdleForgottenFirst() {
    PlainShard shard = new PlainShard(TWO_CONTACTS);
    shard.send("a", InboundMessage.text("hi", "a-1"));
    shard.reply("a", "ok");
    shard.send("b", InboundMessage.text("hi", "b-1"));
    shard.reply("b", "ok");
    shard.send("a", InboundMessage.text("again", "a-2")); // a becomes the most recently idle: b is now the oldest
    shard.reply("a", "ok");

    shard.send("c", InboundMessage.text("hi", "c-1"));

    assertThat(shard.machine.contacts().size()).isEqualTo(2);
    assertThat(shard.machine.contacts().get("b")).isNull();
    assertThat(shard.machine.contacts().get("a")).isNotNull();
    assertThat(shard.send("b", InboundMessage.text("hi", "b-1")).get().duplicate()).isTrue(); // dedup memory kept
    shard.machine.operations().evictIdleContacts(); // the next sweep announces the contacts forgotten early
    assertThat(shard.events(Events.CONTACTS_EVICTED)).singleElement()
      .satisfies(event -> assertThat(event.getInteger("count")).isEqualTo(1));
    assertThat(shard.metrics.evictedCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("when every remembered contact is busy a new contact is rejected overloaded; known contacts still get in")
  void noIdleContactMeansOverloaded() {
    PlainShard shard = new PlainShard(TWO_CONTACTS);
    shard.send("a", "hang");
    shard.send("b", "hang");

    ProcessResult refused = shard.send("c", "hello").get();

    assertThat(refused.status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(refused.reason()).isEqualTo("overloaded");
    assertThat(shard.events(Events.MESSAGE_REJECTED)).singleElement()
      .satisfies(event -> assertThat(event.getString("reason")).isEqualTo("overloaded"));
    assertThat(shard.metrics.rejectedCount(RejectReason.OVERLOADED)).isEqualTo(1);
    assertThat(shard.send("a", "queued behind hang").get().status()).isEqualTo(ProcessResult.Status.QUEUED);
    assertThat(shard.machine.contacts().size()).isEqualTo(2);

    shard.reply("b", "done"); // b is idle again: room for c
    assertThat(shard.send("c", "hello").get()).isNull(); // started
    assertThat(shard.machine.contacts().get("b")).isNull();
  }

  @Test
  @DisplayName("through the suite and HTTP, a new contact beyond maxContacts is refused overloaded: 429 on /webhook")
  void throughTheSuiteAndHttp(Vertx vertx) {
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject().put("shards", 1).put("maxContacts", 1)
      .put("lockTimeout", 0), agent);
    EventRecorder events = EventRecorder.attach(vertx);
    suite.client().processMessage("first", InboundMessage.text("block:first"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    try {
      ProcessResult refused = Await.result(suite.client().processMessage("second", InboundMessage.text("hi")));
      assertThat(refused.reason()).isEqualTo("overloaded");

      HttpResponse<Buffer> overHttp = Await.result(WebClient.create(vertx)
        .post(suite.httpPort(), "127.0.0.1", "/webhook")
        .sendJsonObject(new JsonObject().put("from", "third").put("body", "hi")));
      assertThat(overHttp.statusCode()).isEqualTo(429);
      assertThat(overHttp.getHeader("Retry-After")).isNotNull();
      assertThat(overHttp.bodyAsJsonObject().getString("reason")).isEqualTo("overloaded");
      assertThat(Await.result(suite.client().getStats()).getJsonObject("config").getInteger("maxContacts"))
        .isEqualTo(1);
    } finally {
      agent.open("first");
    }
  }
}
