package io.messageorchestrator.journal;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.WireFormat;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.JournalFixtures;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * J6/J12 on the event bus: the journal admin verticle over a {@link MemoryJournal}, with no orchestrator: where a
 * replay submits a message, the test serves {@link Addresses#PROCESS} itself and looks at the exact request.
 */
@ExtendWith(VertxExtension.class)
class JournalAdminVerticleTest {
  private final MemoryJournal journal = new MemoryJournal(1_000);

  @BeforeEach
  void deploy(Vertx vertx) {
    JournalFixtures.serve(vertx, journal);
  }

  private static JsonObject request(Vertx vertx, String address, JsonObject body) {
    return Await.result(vertx.eventBus().<JsonObject>request(address, body).map(Message::body));
  }

  private static ReplyException failure(Vertx vertx, String address, Object body) {
    return (ReplyException) Await.failure(vertx.eventBus().request(address, body));
  }

  private static List<String> processIds(JsonObject page) {
    return page.getJsonArray("deadLetters").stream().map(letter -> ((JsonObject) letter).getString("processId"))
      .toList();
  }

  @Test
  @DisplayName("dead letters are listed newest first, paged by limit and offset (default 50 from 0); other messages are not listed")
  void listNewestFirstAndPaged(Vertx vertx) {
    IntStream.rangeClosed(1, 5).forEach(i -> JournalFixtures.deadLetter(journal, "default", "c" + i, "p" + i,
      InboundMessage.text("m" + i)));
    JournalFixtures.processed(journal, "default", "c6", "p6", InboundMessage.text("fine"));

    JsonObject first = request(vertx, Addresses.DEAD_LETTERS_LIST, new JsonObject().put("limit", 2));
    JsonObject second = request(vertx, Addresses.DEAD_LETTERS_LIST, new JsonObject().put("limit", 2).put("offset", 2));
    JsonObject last = request(vertx, Addresses.DEAD_LETTERS_LIST, new JsonObject().put("limit", 2).put("offset", 4));
    JsonObject all = request(vertx, Addresses.DEAD_LETTERS_LIST, new JsonObject());

    assertThat(processIds(first)).containsExactly("p5", "p4");
    assertThat(first.getInteger("limit")).isEqualTo(2);
    assertThat(first.getInteger("offset")).isZero();
    assertThat(processIds(second)).containsExactly("p3", "p2");
    assertThat(second.getInteger("offset")).isEqualTo(2);
    assertThat(processIds(last)).containsExactly("p1");
    assertThat(processIds(all)).containsExactly("p5", "p4", "p3", "p2", "p1");
    assertThat(all.getInteger("limit")).isEqualTo(50);
    JsonObject letter = all.getJsonArray("deadLetters").getJsonObject(0);
    assertThat(letter.getString("contactId")).isEqualTo("c5");
    assertThat(letter.getString("outcome")).isEqualTo("failed");
    assertThat(letter.getJsonObject("message").getString("text")).isEqualTo("m5");
  }

  @Test
  @DisplayName("a limit outside 1..500, a negative offset, a fraction, a string or a body that is not an object fail with 400")
  void badListParameters(Vertx vertx) {
    for (JsonObject bad : List.of(new JsonObject().put("limit", 0), new JsonObject().put("limit", 501),
      new JsonObject().put("limit", 2.5), new JsonObject().put("limit", "ten"), new JsonObject().put("offset", -1))) {
      ReplyException refused = failure(vertx, Addresses.DEAD_LETTERS_LIST, bad);
      assertThat(refused.failureCode()).as(bad.encode()).isEqualTo(400);
      assertThat(refused.getMessage()).contains(bad.fieldNames().iterator().next());
    }
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_LIST, "limit=10").failureCode()).isEqualTo(400);
    assertThat(request(vertx, Addresses.DEAD_LETTERS_LIST, new JsonObject().put("limit", 500))
      .getInteger("limit")).isEqualTo(500);
  }

  @Test
  @DisplayName("get and delete answer the dead letter, then 404; a message that is not a dead letter is a 404 too")
  void getAndDelete(Vertx vertx) {
    JournalFixtures.deadLetter(journal, "default", "alice", "dead-1", InboundMessage.text("help"));
    JournalFixtures.processed(journal, "default", "alice", "fine-1", InboundMessage.text("fine"));
    JsonObject byId = new JsonObject().put("processId", "dead-1");

    JsonObject letter = request(vertx, Addresses.DEAD_LETTERS_GET, byId);
    assertThat(letter.getString("processId")).isEqualTo("dead-1");
    assertThat(letter.getString("error")).isEqualTo("agent exploded");
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_GET, new JsonObject().put("processId", "fine-1"))
      .failureCode()).isEqualTo(404);
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_GET, new JsonObject().put("processId", "nope"))
      .failureCode()).isEqualTo(404);

    assertThat(request(vertx, Addresses.DEAD_LETTERS_DELETE, byId)).isEqualTo(new JsonObject().put("deleted", true));
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_GET, byId).failureCode()).isEqualTo(404);
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_DELETE, byId).failureCode()).isEqualTo(404);
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_DELETE, new JsonObject()).failureCode()).isEqualTo(400);
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_GET, new JsonObject().put("processId", 7)).failureCode())
      .isEqualTo(400);
  }

  @Test
  @DisplayName("a replay submits the message as a new one without its dedup key (kept as metadata.replayedMessageId), then deletes the dead letter")
  void replaySubmitsANewMessage(Vertx vertx) {
    InboundMessage original = new InboundMessage("where is my order?", "wamid.42", "text", 1_700_000_000_000L,
      new JsonObject().put("phone_number_id", "pn-1").put("name", "Ana"));
    JournalFixtures.deadLetter(journal, "pn-1", "5511999990000", "old-1", original);
    List<Object> submitted = new CopyOnWriteArrayList<>();
    Await.result(vertx.eventBus().consumer(Addresses.PROCESS, request -> {
      submitted.add(request.body());
      request.reply(new JsonObject().put("success", true).put("queued", true).put("status", "accepted")
        .put("processId", "new-1").put("queuePosition", 0));
    }).completion());

    JsonObject answer = request(vertx, Addresses.DEAD_LETTERS_REPLAY, new JsonObject().put("processId", "old-1"));

    assertThat(answer).isEqualTo(new JsonObject().put("replayed", true).put("replayOf", "old-1")
      .put("processId", "new-1").put("deadLetterDeleted", true));
    assertThat(submitted).containsExactly(new JsonObject()
      .put(WireFormat.FIELD, WireFormat.VERSION) // it may be served by another node (K4)
      .put("account", "pn-1")
      .put("contactId", "5511999990000")
      .put("message", new JsonObject().put("text", "where is my order?").put("type", "text")
        .put("timestamp", 1_700_000_000_000L)
        .put("metadata", new JsonObject().put("phone_number_id", "pn-1").put("name", "Ana")
          .put("replayedMessageId", "wamid.42")))
      .put("acceptOnly", true)
      .put("replayOf", "old-1"));
    assertThat(Await.result(journal.deadLetters(10, 0))).isEmpty();
    assertThat(failure(vertx, Addresses.DEAD_LETTERS_REPLAY, new JsonObject().put("processId", "old-1"))
      .failureCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a replay the orchestrator refuses (429 full, 503 shutting down or no answer) keeps the dead letter")
  void refusedReplayKeepsTheDeadLetter(Vertx vertx) {
    JournalFixtures.deadLetter(journal, "default", "bob", "old-2", InboundMessage.text("hi"));
    JsonObject byId = new JsonObject().put("processId", "old-2");

    ReplyException noOrchestrator = failure(vertx, Addresses.DEAD_LETTERS_REPLAY, byId);
    assertThat(noOrchestrator.failureCode()).isEqualTo(503);

    List<String> reasons = new CopyOnWriteArrayList<>(List.of("queue_full", "shutting_down"));
    Await.result(vertx.eventBus().consumer(Addresses.PROCESS, request -> request.reply(new JsonObject()
      .put("success", false).put("status", "rejected").put("reason", reasons.remove(0))
      .put("error", "refused"))).completion());
    ReplyException full = failure(vertx, Addresses.DEAD_LETTERS_REPLAY, byId);
    ReplyException draining = failure(vertx, Addresses.DEAD_LETTERS_REPLAY, byId);

    assertThat(full.failureCode()).isEqualTo(429);
    assertThat(full.getMessage()).contains("queue_full").contains("kept");
    assertThat(draining.failureCode()).isEqualTo(503);
    assertThat(request(vertx, Addresses.DEAD_LETTERS_GET, byId).getString("processId")).isEqualTo("old-2");
  }

  @Test
  @DisplayName("a second replay of a dead letter while the first is under way fails with 409: it is submitted once")
  void concurrentReplayRefused(Vertx vertx) {
    JournalFixtures.deadLetter(journal, "default", "carol", "old-3", InboundMessage.text("hi"));
    Promise<Message<Object>> held = Promise.promise();
    List<Object> submitted = new CopyOnWriteArrayList<>();
    Await.result(vertx.eventBus().consumer(Addresses.PROCESS, request -> {
      submitted.add(request.body());
      held.tryComplete(request);
    }).completion());
    JsonObject byId = new JsonObject().put("processId", "old-3");

    Future<Message<JsonObject>> first = vertx.eventBus().request(Addresses.DEAD_LETTERS_REPLAY, byId);
    Message<Object> submission = Await.result(held.future());
    ReplyException second = failure(vertx, Addresses.DEAD_LETTERS_REPLAY, byId);
    submission.reply(new JsonObject().put("status", "accepted").put("processId", "new-3"));

    assertThat(second.failureCode()).isEqualTo(409);
    assertThat(Await.result(first).body().getString("processId")).isEqualTo("new-3");
    assertThat(submitted).hasSize(1);
  }

  @Test
  @DisplayName("export returns a conversation's messages and keys; erase removes only that conversation and answers counts")
  void exportAndErase(Vertx vertx) {
    JournalFixtures.processed(journal, "default", "dana", "d1", InboundMessage.text("one", "wamid.1"));
    JournalFixtures.deadLetter(journal, "default", "dana", "d2", InboundMessage.text("two", "wamid.2"));
    JournalFixtures.append(journal, "default", "dana", "d3", InboundMessage.text("three"));
    JournalFixtures.processed(journal, "pn-2", "dana", "other-account", InboundMessage.text("elsewhere", "wamid.3"));
    JournalFixtures.processed(journal, "default", "erik", "other-contact", InboundMessage.text("mine", "wamid.4"));
    JsonObject dana = new JsonObject().put("contactId", "dana");

    JsonObject exported = request(vertx, Addresses.CONTACT_DATA_EXPORT, dana);
    assertThat(exported.getString("account")).isEqualTo("default");
    assertThat(exported.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("processId")))
      .containsExactly("d1", "d2", "d3");
    assertThat(exported.getJsonArray("messages").getJsonObject(0).getString("reply")).isEqualTo("re:one");
    assertThat(exported.getJsonArray("keys")).containsExactlyInAnyOrder("wamid.1", "wamid.2");

    JsonObject erased = request(vertx, Addresses.CONTACT_DATA_ERASE, dana);
    assertThat(erased).isEqualTo(new JsonObject().put("account", "default").put("contactId", "dana")
      .put("messages", 3).put("keys", 2));

    JsonObject afterwards = request(vertx, Addresses.CONTACT_DATA_EXPORT, dana);
    assertThat(afterwards.getJsonArray("messages")).isEmpty();
    assertThat(afterwards.getJsonArray("keys")).isEmpty();
    assertThat(Await.result(journal.find("d2"))).isNull();
    assertThat(request(vertx, Addresses.CONTACT_DATA_EXPORT, dana.copy().put("account", "pn-2"))
      .getJsonArray("messages")).hasSize(1);
    assertThat(request(vertx, Addresses.CONTACT_DATA_EXPORT, new JsonObject().put("contactId", "erik"))
      .getJsonArray("keys")).isEqualTo(new JsonArray().add("wamid.4"));
    assertThat(failure(vertx, Addresses.CONTACT_DATA_ERASE, new JsonObject()).failureCode()).isEqualTo(400);
    assertThat(failure(vertx, Addresses.CONTACT_DATA_ERASE, dana.copy().put("account", 5)).failureCode())
      .isEqualTo(400);
  }

  @Test
  @DisplayName("every operation answers 503 with the journal's reason when the journal fails")
  void journalFailureIs503(Vertx vertx) {
    Vertx other = Vertx.vertx();
    try {
      JournalFixtures.serve(other, JournalFixtures.unavailable());
      for (String address : List.of(Addresses.DEAD_LETTERS_LIST, Addresses.DEAD_LETTERS_GET,
        Addresses.DEAD_LETTERS_DELETE, Addresses.DEAD_LETTERS_REPLAY, Addresses.CONTACT_DATA_EXPORT,
        Addresses.CONTACT_DATA_ERASE)) {
        ReplyException failed = failure(other, address, new JsonObject().put("processId", "p").put("contactId", "c"));
        assertThat(failed.failureCode()).as(address).isEqualTo(503);
        assertThat(failed.getMessage()).as(address).contains("disk full");
      }
    } finally {
      Await.result(other.close());
    }
  }
}
