package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the PostgreSQL journal does beyond the shared contract ({@link PostgresJournalContractTest}), against the real
 * server ({@link TestPostgres}), each test in a schema of its own: purge in batches, grouped commits and their
 * counters, one failing operation isolated from its batch, and the queue bound.
 */
@DisplayName("PostgreSQL journal")
class PostgresJournalTest extends PostgresSchemaTests {
  private static final long WINDOW_START = 1_000L;

  private PostgresJournal journal;

  @Override
  protected String schemaPurpose() {
    return "journal";
  }

  @BeforeEach
  void open() {
    journal = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema)));
  }

  @AfterEach
  void drop() {
    if (journal != null) {
      Await.result(journal.close());
    }
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
    PostgresJournalStats stats = journal.postgresStats();
    assertThat(stats.appends()).isEqualTo(1_000);
    assertThat(recovered).hasSize(1_000);
    assertThat(stats.commits()).as("transactions for 1,000 appends (+1 recover)").isLessThan(100);
    assertThat(stats.largestBatchSize()).isGreaterThan(10);
    assertThat(stats.lastBatchSize()).isEqualTo(1); // the recover
    assertThat(stats.appendNanosTotal()).isPositive();
    assertThat(stats.failedWrites()).isZero();
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
    assertThat(journal.postgresStats().rejected()).isEqualTo(refused);
    assertThat(journal.postgresStats().failedWrites()).isEqualTo(refused);
    assertThat(Await.result(journal.recover()).unfinished()).hasSize(100 - refused);
  }
}
