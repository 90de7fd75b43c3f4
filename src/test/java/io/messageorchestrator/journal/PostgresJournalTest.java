package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PostgreSQL journal against the real server ({@link TestPostgres}), each test in a schema of its own: the journal
 * contract (until the shared contract suite lands), grouped commits, and the queue bound.
 */
@DisplayName("PostgreSQL journal")
class PostgresJournalTest {
  private static final long WINDOW_START = 1_000L;

  private static Vertx vertx;
  private String schema;
  private PostgresJournal journal;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    Await.result(vertx.close());
  }

  @BeforeEach
  void open() {
    schema = TestPostgres.uniqueSchema("journal");
    journal = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
  }

  @AfterEach
  void drop() {
    if (journal != null) {
      Await.result(journal.close());
    }
    TestPostgres.dropSchema(vertx, schema);
  }

  static JournalEntry entry(String processId, String contact, String key, long acceptedAt) {
    return new JournalEntry(0, processId, "default", contact, key,
      new JsonObject().put("text", "hello " + processId).put("messageId", key), acceptedAt, 0, null);
  }

  private AppendResult append(String processId, String contact, String key, long acceptedAt, long since) {
    return Await.result(journal.append(entry(processId, contact, key, acceptedAt), since));
  }

  private static List<String> ids(List<JournalEntry> entries) {
    return entries.stream().map(JournalEntry::processId).toList();
  }

  @Test
  @DisplayName("a provider id seen within the dedup window is a duplicate; an older one is taken over; no id never is")
  void dedupWindow() {
    assertThat(append("p1", "c1", "wamid.1", 5_000, WINDOW_START)).isEqualTo(AppendResult.APPENDED);
    assertThat(append("p2", "c1", "wamid.1", 6_000, WINDOW_START)).isEqualTo(AppendResult.DUPLICATE);
    // the same id from another contact, or to another account, is another message
    assertThat(append("p3", "c2", "wamid.1", 6_000, WINDOW_START)).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(journal.append(new JournalEntry(0, "p4", "15550001", "c1", "wamid.1", new JsonObject(),
      6_000, 0, null), WINDOW_START))).isEqualTo(AppendResult.APPENDED);
    // the key was taken at 5,000: a window starting after it no longer sees it
    assertThat(append("p5", "c1", "wamid.1", 9_000, 5_001)).isEqualTo(AppendResult.APPENDED);
    assertThat(append("p6", "c1", "wamid.1", 9_500, 5_001)).isEqualTo(AppendResult.DUPLICATE);
    assertThat(append("p7", "c1", null, 9_600, WINDOW_START)).isEqualTo(AppendResult.APPENDED);
    assertThat(append("p8", "c1", null, 9_700, WINDOW_START)).isEqualTo(AppendResult.APPENDED);

    assertThat(ids(Await.result(journal.recover()).unfinished())).containsExactly("p1", "p3", "p4", "p5", "p7", "p8");
    assertThat(Await.result(journal.find("p2"))).isNull();
  }

  @Test
  @DisplayName("recovery answers unfinished messages in acceptance order with their attempts, and pending replies")
  void recovery() {
    append("a", "c1", "k-a", 10, WINDOW_START);
    append("b", "c2", "k-b", 11, WINDOW_START);
    append("c", "c1", "k-c", 12, WINDOW_START);
    append("d", "c3", null, 13, WINDOW_START);
    Await.result(journal.markStarted("b", 2, 77L, 20));
    Await.result(journal.recordOutcome(new OutcomeRecord("c", "processed", "hi c", null, 30, false)));
    Await.result(journal.recordOutcome(new OutcomeRecord("d", "dropped", null, null, 31, false)));

    Recovery recovery = Await.result(journal.recover());
    assertThat(ids(recovery.unfinished())).containsExactly("a", "b");
    JournalEntry b = recovery.unfinished().get(1);
    assertThat(b.attempts()).isEqualTo(2);
    assertThat(b.sequence()).isGreaterThan(recovery.unfinished().get(0).sequence());
    assertThat(b.message().getString("text")).isEqualTo("hello b");
    assertThat(b.contactId()).isEqualTo("c2");
    assertThat(b.account()).isEqualTo("default");
    assertThat(recovery.replies()).extracting(Recovery.PendingReply::processId, Recovery.PendingReply::reply,
      Recovery.PendingReply::outcome).containsExactly(org.assertj.core.groups.Tuple.tuple("c", "hi c", "processed"));

    Await.result(journal.markReply("c", ReplyState.DELIVERED, 40));
    assertThat(Await.result(journal.recover()).replies()).isEmpty();
    JsonObject c = Await.result(journal.find("c"));
    assertThat(c.getString("outcome")).isEqualTo("processed");
    assertThat(c.getString("replyState")).isEqualTo("delivered");
    assertThat(c.getLong("replyAt")).isEqualTo(40L);
    assertThat(Await.result(journal.find("d")).getString("replyState")).isEqualTo("none");
  }

  @Test
  @DisplayName("a late start of an earlier attempt never lowers the count; a second outcome never replaces the first")
  void startsAndOutcomesNeverGoBack() {
    append("s", "c1", null, 1, WINDOW_START);
    Await.result(journal.markStarted("s", 2, 8, 20));
    Await.result(journal.markStarted("s", 1, 9, 30));
    assertThat(Await.result(journal.recover()).unfinished().get(0).attempts()).isEqualTo(2);
    assertThat(Await.result(journal.find("s")).getLong("leaseToken")).isEqualTo(8L);

    Await.result(journal.recordOutcome(new OutcomeRecord("s", "processed", "the answer", null, 40, false)));
    Await.result(journal.recordOutcome(new OutcomeRecord("s", "failed", "fallback", "late", 50, false)));
    JsonObject s = Await.result(journal.find("s"));
    assertThat(s.getString("outcome")).isEqualTo("processed");
    assertThat(s.getString("reply")).isEqualTo("the answer");
    assertThat(Await.result(journal.deadLetters(10, 0))).isEmpty();
  }

  @Test
  @DisplayName("an outcome that forgets its dedup key lets the provider's redelivery in again")
  void forgetDedupKey() {
    append("x", "c1", "wamid.x", 100, 0);
    append("y", "c1", "wamid.y", 101, 0);
    Await.result(journal.recordOutcome(new OutcomeRecord("x", "dropped", null, null, 110, true)));
    Await.result(journal.recordOutcome(new OutcomeRecord("y", "processed", "ok", null, 111, false)));
    assertThat(append("x2", "c1", "wamid.x", 120, 0)).isEqualTo(AppendResult.APPENDED);
    assertThat(append("y2", "c1", "wamid.y", 121, 0)).isEqualTo(AppendResult.DUPLICATE);
  }

  @Test
  @DisplayName("purge deletes finished messages and old keys, in batches, never unfinished ones or pending replies")
  void purge() {
    for (int i = 0; i < 5; i++) {
      append("done" + i, "c1", "k" + i, 100 + i, WINDOW_START);
      Await.result(journal.recordOutcome(new OutcomeRecord("done" + i, "processed", null, null, 200 + i, false)));
    }
    append("pending", "c1", "kp", 100, WINDOW_START);
    Await.result(journal.recordOutcome(new OutcomeRecord("pending", "processed", "reply", null, 200, false)));
    append("open", "c1", "ko", 100, WINDOW_START);
    append("recent", "c1", "kr", 5_000, WINDOW_START);
    Await.result(journal.recordOutcome(new OutcomeRecord("recent", "processed", null, null, 5_000, false)));

    assertThat(Await.result(journal.purge(1_000, 3))).isEqualTo(3);
    assertThat(Await.result(journal.purge(1_000, 3))).isEqualTo(2);
    assertThat(Await.result(journal.purge(1_000, 3))).isZero();
    assertThat(Await.result(journal.find("pending"))).isNotNull();
    assertThat(Await.result(journal.find("open"))).isNotNull();
    assertThat(Await.result(journal.find("recent"))).isNotNull();
    assertThat(Await.result(journal.find("done0"))).isNull();
    // the purged messages' keys were taken before 1,000: gone too, so the ids are new again
    assertThat(append("again", "c1", "k0", 6_000, 0)).isEqualTo(AppendResult.APPENDED);
    assertThat(append("again-r", "c1", "kr", 6_000, 0)).isEqualTo(AppendResult.DUPLICATE);
  }

  @Test
  @DisplayName("dead letters list failed, timed-out and undeliverable messages newest first, paged; one can be deleted")
  void deadLetters() {
    append("f", "c1", null, 1, WINDOW_START);
    append("t", "c1", null, 2, WINDOW_START);
    append("r", "c2", null, 3, WINDOW_START);
    append("ok", "c2", null, 4, WINDOW_START);
    Await.result(journal.recordOutcome(new OutcomeRecord("f", "failed", "sorry", "agent 500", 10, false)));
    Await.result(journal.recordOutcome(new OutcomeRecord("t", "timed_out", "sorry", "timeout", 20, false)));
    Await.result(journal.recordOutcome(new OutcomeRecord("r", "processed", "answer", null, 15, false)));
    Await.result(journal.markReply("r", ReplyState.FAILED, 30));
    Await.result(journal.recordOutcome(new OutcomeRecord("ok", "processed", "fine", null, 40, false)));

    List<JsonObject> all = Await.result(journal.deadLetters(10, 0));
    assertThat(all).extracting(json -> json.getString("processId")).containsExactly("r", "t", "f");
    assertThat(all.get(2).getString("error")).isEqualTo("agent 500");
    assertThat(Await.result(journal.deadLetters(1, 1))).extracting(json -> json.getString("processId"))
      .containsExactly("t");
    assertThat(Await.result(journal.deleteDeadLetter("t"))).isTrue();
    assertThat(Await.result(journal.deleteDeadLetter("t"))).isFalse();
    assertThat(Await.result(journal.deleteDeadLetter("ok"))).isFalse();
    assertThat(Await.result(journal.deadLetters(10, 0))).extracting(json -> json.getString("processId"))
      .containsExactly("r", "f");
  }

  @Test
  @DisplayName("a conversation's data is exported, then erased with its keys, and nobody else's")
  void exportAndErase() {
    append("m1", "alice", "k1", 1, WINDOW_START);
    append("m2", "alice", "k2", 2, WINDOW_START);
    append("m3", "bob", "k3", 3, WINDOW_START);
    Await.result(journal.recordOutcome(new OutcomeRecord("m1", "processed", "hi alice", null, 5, false)));

    JsonObject export = Await.result(journal.exportContact("default", "alice"));
    assertThat(export.getJsonArray("messages")).hasSize(2);
    assertThat(export.getJsonArray("messages").getJsonObject(0).getString("reply")).isEqualTo("hi alice");
    assertThat(export.getJsonArray("keys")).hasSize(2);

    JsonObject erased = Await.result(journal.eraseContact("default", "alice"));
    assertThat(erased.getInteger("messages")).isEqualTo(2);
    assertThat(erased.getInteger("keys")).isEqualTo(2);
    assertThat(Await.result(journal.exportContact("default", "alice")).getJsonArray("messages")).isEmpty();
    assertThat(append("m1-again", "alice", "k1", 10, WINDOW_START)).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(journal.find("m3"))).isNotNull();
  }

  @Test
  @DisplayName("1,000 concurrent appends from four contexts share few transactions, complete in order on their"
    + " own context, and are all recovered")
  void groupedCommits() {
    int contexts = 4;
    int perContext = 250;
    List<Future<List<String>>> completions = new ArrayList<>();
    for (int c = 0; c < contexts; c++) {
      Context context = vertx.getOrCreateContext();
      Promise<List<String>> done = Promise.promise();
      completions.add(done.future());
      int contextIndex = c;
      context.runOnContext(v -> {
        List<String> order = new ArrayList<>();
        List<Future<AppendResult>> results = new ArrayList<>();
        for (int i = 0; i < perContext; i++) {
          String id = "ctx" + contextIndex + "-" + i;
          results.add(journal.append(entry(id, "contact" + (i % 50), "wamid." + id, 1_000 + i), WINDOW_START)
            .andThen(r -> {
              if (Vertx.currentContext() != context) {
                throw new AssertionError("completed off the caller's context");
              }
              if (r.succeeded() && r.result() == AppendResult.APPENDED) {
                order.add(id);
              }
            }));
        }
        Future.all(results).onComplete(all -> done.handle(all.map(order)));
      });
    }
    Await.result(Future.all(completions), 60);
    List<String> recovered = ids(Await.result(journal.recover()).unfinished());
    for (int c = 0; c < contexts; c++) {
      List<String> order = completions.get(c).result();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < perContext; i++) {
        expected.add("ctx" + c + "-" + i);
      }
      assertThat(order).as("completion order on context %d", c).isEqualTo(expected);
      String prefix = "ctx" + c + "-";
      assertThat(recovered.stream().filter(id -> id.startsWith(prefix)).toList())
        .as("acceptance order of context %d", c).isEqualTo(expected);
    }
    PostgresJournalStats stats = journal.snapshot();
    assertThat(stats.appends()).isEqualTo(1_000);
    assertThat(recovered).hasSize(1_000);
    assertThat(stats.transactions()).as("transactions for 1,000 appends (+1 recover)").isLessThan(100);
    assertThat(stats.largestBatch()).isGreaterThan(10);
    assertThat(stats.queueDepth()).isZero();
  }

  @Test
  @DisplayName("one failing statement in a batch fails only its own operation")
  void failingOperationIsIsolated() {
    append("taken", "c1", null, 1, WINDOW_START);
    Promise<List<Future<AppendResult>>> submitted = Promise.promise();
    vertx.runOnContext(v -> submitted.complete(List.of(
      journal.append(entry("before", "c1", null, 2), WINDOW_START),
      journal.append(entry("taken", "c1", null, 3), WINDOW_START), // its process id exists: unique violation
      journal.append(entry("after", "c1", "wamid.after", 4), WINDOW_START))));
    List<Future<AppendResult>> results = Await.result(submitted.future());
    assertThat(Await.result(results.get(0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.failure(results.get(1))).isInstanceOf(JournalUnavailableException.class);
    assertThat(Await.result(results.get(2))).isEqualTo(AppendResult.APPENDED);
    assertThat(ids(Await.result(journal.recover()).unfinished())).containsExactly("taken", "before", "after");
  }

  @Test
  @DisplayName("a full queue refuses at once with JournalUnavailableException; what was queued is written")
  void boundedQueue() {
    Await.result(journal.close());
    journal = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema),
      new PostgresJournal.Limits(10, 1_000, 5_000, 10_000)));
    Promise<List<Future<AppendResult>>> submitted = Promise.promise();
    vertx.runOnContext(v -> {
      List<Future<AppendResult>> results = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        results.add(journal.append(entry("q" + i, "c1", null, i), WINDOW_START));
      }
      submitted.complete(results);
    });
    List<Future<AppendResult>> results = Await.result(submitted.future());
    int refused = 0;
    for (Future<AppendResult> result : results) {
      Await.result(result.transform(r -> Future.succeededFuture()));
      if (result.failed()) {
        assertThat(result.cause()).isInstanceOf(JournalUnavailableException.class).hasMessageContaining("full");
        refused++;
      }
    }
    // the writer takes the first operation while the loop still runs, so at most 11 fit
    assertThat(refused).isBetween(89, 90);
    assertThat(journal.snapshot().rejected()).isEqualTo(refused);
    assertThat(Await.result(journal.recover()).unfinished()).hasSize(100 - refused);
  }
}
