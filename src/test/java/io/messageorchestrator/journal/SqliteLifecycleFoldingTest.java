package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SQLite writer folds a message's start, outcome and reply mark that come in one transaction into fewer
 * statements. Each scenario runs twice — every write in a transaction of its own, and all of them held into one group
 * — and the rows must come out the same.
 */
@Timeout(60)
@DisplayName("SqliteJournal: lifecycle writes folded per message leave the rows as one-by-one writes would")
class SqliteLifecycleFoldingTest {
  @TempDir
  Path folder;
  private Vertx vertx;
  private final List<Journal> opened = new ArrayList<>();

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeAll() {
    try {
      for (Journal journal : opened) {
        Await.result(journal.close());
      }
    } finally {
      Await.result(vertx.close());
    }
  }

  /** One lifecycle write, made against a journal. */
  private interface Write extends Function<SqliteJournal, Future<Void>> {
  }

  private static Write start(String id, int attempt) {
    return journal -> journal.markStarted(id, attempt, attempt * 10L, 1_000L + attempt);
  }

  private static Write outcome(String id, String outcome, String reply, boolean forgetKey) {
    return journal -> journal.recordOutcome(new OutcomeRecord(id, outcome, reply, outcome.equals("processed") ? null
      : "why: " + outcome, 5_000, forgetKey));
  }

  private static Write mark(String id, ReplyState state) {
    return journal -> journal.markReply(id, state, 7_000);
  }

  /** Messages p1..p9 (p5 with dedup key k5), each finished or not before the scenario's writes. */
  private SqliteJournal prepared(String name) {
    SqliteJournal journal = Await.result(SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite")
      .withPath(folder.resolve(name).resolve("orchestrator.db").toString()), SqliteJournal.Dedup.DEFAULT,
      SqliteJournal.Tuning.DEFAULT));
    opened.add(journal);
    for (int i = 1; i <= 9; i++) {
      Await.result(journal.append(new JournalEntry(0, "p" + i, "default", "c" + i, i == 5 ? "k5" : null,
        new JsonObject().put("text", "m" + i), 100 + i, 0, null), 0));
    }
    // p6 finished earlier with a reply still pending: a mark in the group is for that reply.
    Await.result(journal.recordOutcome(new OutcomeRecord("p6", "processed", "earlier", null, 4_000, false)));
    return journal;
  }

  private static final List<Write> SCENARIO = List.of(
    start("p1", 1), outcome("p1", "processed", "hi 1", false), mark("p1", ReplyState.DELIVERED), // all three fold
    start("p2", 1), start("p2", 2), outcome("p2", "failed", null, false),                       // a superseded start
    outcome("p3", "processed", null, false), mark("p3", ReplyState.DELIVERED),                  // no reply to mark
    outcome("p4", "processed", "first", false), outcome("p4", "timed_out", null, false),        // the first one wins
    start("p5", 1), outcome("p5", "dropped", null, true),                                       // key forgotten
    outcome("p6", "timed_out", "late", false), mark("p6", ReplyState.FAILED),                   // finished before
    mark("p7", ReplyState.DELIVERED), outcome("p7", "processed", "after mark", false),          // mark came first
    start("p8", 3),                                                                             // a start alone
    outcome("p9", "processed", "pending", false));                                              // reply stays pending

  @Test
  @DisplayName("J4: start + outcome + reply mark of a message in one group: same rows, fewer statements, key freed")
  void foldedWritesLeaveTheSameRows() throws Exception {
    SqliteJournal oneByOne = prepared("one-by-one");
    for (Write write : SCENARIO) {
      Await.result(write.apply(oneByOne)); // each in a transaction of its own
    }
    SqliteJournal grouped = prepared("grouped");
    long before = Await.result(grouped.lifecycleStatements());
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch released = new CountDownLatch(1);
    Future<Void> held = grouped.holdWriter(entered, released);
    entered.await();
    List<Future<Void>> writes = new ArrayList<>();
    for (Write write : SCENARIO) {
      writes.add(write.apply(grouped)); // queued behind the held writer: one group
    }
    released.countDown();
    Await.result(held);
    Await.result(Future.all(writes));

    assertThat(rows(folder.resolve("grouped"))).isEqualTo(rows(folder.resolve("one-by-one")));
    assertThat(rows(folder.resolve("grouped")).get("p1")).containsEntry("reply_state", "delivered")
      .containsEntry("attempts", 1L).containsEntry("reply_at", 7_000L);
    long statements = Await.result(grouped.lifecycleStatements()) - before;
    // 18 writes; folded: p1 1, p2 1, p3 1, p4 2, p5 1, p6 2 (its outcome changes nothing, then the mark), p7 2,
    // p8 1, p9 1.
    assertThat(statements).isEqualTo(12);
    // p5 was dropped with dropOldest: its key may be delivered again, in both journals.
    for (SqliteJournal journal : List.of(oneByOne, grouped)) {
      assertThat(Await.result(journal.append(new JournalEntry(0, "p5-again", "default", "c5", "k5",
        new JsonObject(), 200, 0, null), 0))).isEqualTo(AppendResult.APPENDED);
    }
  }

  @Test
  @DisplayName("J4: a folded group whose writes fail is replayed one write at a time and nothing half-made stays")
  void aFailedFoldedGroupIsReplayed() throws Exception {
    SqliteJournal journal = prepared("replayed");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch released = new CountDownLatch(1);
    Future<Void> held = journal.holdWriter(entered, released);
    entered.await();
    Future<Void> started = journal.markStarted("p1", 1, 10, 1_001);
    Future<Void> finished = journal.recordOutcome(new OutcomeRecord("p1", "processed", "x".repeat(200_000), null,
      5_000, false));
    // The page limit makes the 200 KB reply fail at the group's commit; the start alone still fits.
    Future<Long> limited = journal.limitPages(pages(folder.resolve("replayed")) + 2);
    released.countDown();
    Await.result(held);
    Await.result(limited);
    assertThat(Await.result(started.map(ignored -> "ok").recover(failure -> Future.succeededFuture("failed"))))
      .isEqualTo("ok");
    assertThat(Await.result(finished.map(ignored -> "ok").recover(failure -> Future.succeededFuture("failed"))))
      .isEqualTo("failed");
    Map<String, Object> row = rows(folder.resolve("replayed")).get("p1");
    assertThat(row).containsEntry("attempts", 1L).containsEntry("outcome", null);
  }

  @Test
  @DisplayName("J2: an append queued after lifecycle writes is committed and answered first; they follow")
  void appendsGoBeforeHeldLifecycleWrites() throws Exception {
    SqliteJournal journal = prepared("order");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch released = new CountDownLatch(1);
    Future<Void> held = journal.holdWriter(entered, released);
    entered.await();
    List<String> completed = java.util.Collections.synchronizedList(new ArrayList<>());
    Future<Void> started = journal.markStarted("p1", 1, 10, 1_001).onSuccess(ignored -> completed.add("start"));
    Future<Void> finished = journal.recordOutcome(new OutcomeRecord("p1", "processed", "hi", null, 5_000, false))
      .onSuccess(ignored -> completed.add("outcome"));
    Future<AppendResult> appended = journal.append(new JournalEntry(0, "p10", "default", "c10", null,
      new JsonObject(), 300, 0, null), 0).onSuccess(ignored -> completed.add("append"));
    released.countDown();
    Await.result(held);
    Await.result(Future.all(started, finished, appended));
    assertThat(completed).containsExactly("append", "start", "outcome");
    assertThat(rows(folder.resolve("order")).get("p1")).containsEntry("outcome", "processed")
      .containsEntry("attempts", 1L);
  }

  @Test
  @DisplayName("a lifecycle write that fails completes on the Vert.x context that called (its caller retries there)")
  void failedLifecycleWriteCompletesOnTheCallersContext() throws Exception {
    SqliteJournal journal = prepared("context");
    Await.result(journal.limitPages(pages(folder.resolve("context")) + 2));
    io.vertx.core.Context caller = vertx.getOrCreateContext();
    io.vertx.core.Promise<io.vertx.core.Context> failedOn = io.vertx.core.Promise.promise();
    caller.runOnContext(ignored -> journal.recordOutcome(new OutcomeRecord("p1", "processed", "x".repeat(200_000),
        null, 5_000, false))
      .onComplete(result -> failedOn.complete(result.failed() ? Vertx.currentContext() : null)));
    assertThat(Await.result(failedOn.future())).isSameAs(caller);
  }

  private static long pages(Path dir) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("orchestrator.db"));
         ResultSet count = connection.createStatement().executeQuery("PRAGMA page_count")) {
      count.next();
      return count.getLong(1);
    }
  }

  /** Every message row, by process id, without the sequence (the same in both files anyway). */
  private static Map<String, Map<String, Object>> rows(Path dir) throws SQLException {
    Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("orchestrator.db"));
         PreparedStatement select = connection.prepareStatement("SELECT * FROM messages ORDER BY process_id");
         ResultSet result = select.executeQuery()) {
      ResultSetMetaData columns = result.getMetaData();
      while (result.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= columns.getColumnCount(); i++) {
          Object value = result.getObject(i);
          row.put(columns.getColumnName(i), value instanceof Integer small ? Long.valueOf(small) : value);
        }
        rows.put(result.getString("process_id"), row);
      }
    }
    return rows;
  }
}
