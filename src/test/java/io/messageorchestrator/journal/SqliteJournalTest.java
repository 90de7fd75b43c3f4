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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** What only the SQLite store promises: its file, its settings, its lock, its failures and its limits. */
@Timeout(60)
@DisplayName("SqliteJournal, its file and its limits")
class SqliteJournalTest {
  @TempDir
  Path folder;
  private Vertx vertx;
  private final List<Journal> opened = new ArrayList<>();
  private final AtomicInteger ids = new AtomicInteger();

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

  private Path database() {
    return folder.resolve("data").resolve("orchestrator.db");
  }

  private Future<SqliteJournal> open(Path database, SqliteJournal.Tuning tuning) {
    return open(database, SqliteJournal.Dedup.DEFAULT, tuning);
  }

  private Future<SqliteJournal> open(Path database, SqliteJournal.Dedup dedup, SqliteJournal.Tuning tuning) {
    return SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite").withPath(database.toString()),
      dedup, tuning).onSuccess(opened::add);
  }

  private SqliteJournal open() {
    return Await.result(open(database(), SqliteJournal.Tuning.DEFAULT));
  }

  private JournalEntry entry(String contactId, String text) {
    String processId = "p-" + ids.incrementAndGet();
    return new JournalEntry(0, processId, "default", contactId, "key-" + processId,
      new JsonObject().put("text", text), 1_000 + ids.get(), 0, null);
  }

  private JournalUnavailableException openFailure(Path database) {
    Throwable failure = Await.failure(open(database, SqliteJournal.Tuning.DEFAULT));
    assertThat(failure).isInstanceOf(JournalUnavailableException.class);
    return (JournalUnavailableException) failure;
  }

  private static String query(Path database, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
         Statement statement = connection.createStatement();
         ResultSet row = statement.executeQuery(sql)) {
      return row.next() ? row.getString(1) : null;
    }
  }

  @Test
  @DisplayName("the file is created with its folder, in WAL mode, synchronous=FULL, incremental auto-vacuum, schema at the latest version")
  void settingsAreApplied() throws SQLException {
    SqliteJournal journal = open();

    assertThat(Files.isRegularFile(database())).isTrue();
    assertThat(journal.path()).isEqualTo(database().toAbsolutePath());
    assertThat(Await.result(journal.writerPragma("journal_mode"))).isEqualTo("wal");
    assertThat(Await.result(journal.writerPragma("synchronous"))).isEqualTo("2"); // FULL
    assertThat(Await.result(journal.writerPragma("auto_vacuum"))).isEqualTo("2"); // INCREMENTAL
    // Kept in the file itself, as another client (the sqlite3 CLI) sees it:
    assertThat(query(database(), "PRAGMA auto_vacuum")).isEqualTo("2");
    assertThat(query(database(), "PRAGMA journal_mode")).isEqualTo("wal");
    assertThat(query(database(), "PRAGMA user_version")).isEqualTo(String.valueOf(SqliteSchema.latestVersion()));
  }

  @Test
  @DisplayName("a second journal on the same file in this JVM is refused, naming the file; closing releases it")
  void secondJournalInThisProcessIsRefused() {
    SqliteJournal first = open();

    JournalUnavailableException refused = openFailure(database());
    assertThat(refused).hasMessageContaining(database().toAbsolutePath().toString())
      .hasMessageContaining("already open");

    Await.result(first.close());
    opened.remove(first);
    open(); // the lock was released
  }

  @Test
  @DisplayName("another process opening the same file refuses to start, naming the file and its lock")
  void secondProcessIsRefused() throws Exception {
    open();

    ChildResult child = runChild(database());

    assertThat(child.status()).as(child.output()).isEqualTo(3);
    assertThat(child.output()).contains("REFUSED").contains(database().toAbsolutePath().toString())
      .contains("orchestrator.db.lock").contains("another process");
  }

  @Test
  @DisplayName("kill -9 while appending: every append that was acknowledged is there after the restart, and every "
    + "outcome that was acknowledged (an unsynced lifecycle write) too")
  void killedWhileAppendingLosesNoAcknowledgedAppend() throws Exception {
    Process child = new ProcessBuilder(childCommand(database(), "append")).redirectErrorStream(true).start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = Thread.ofPlatform().daemon().name("sqlite-child-output").start(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
        out.lines().forEach(lines::add);
      } catch (IOException ignored) {
        // the child was killed: its output ends here
      }
    });
    List<String> acknowledged = new ArrayList<>();
    List<String> other = new ArrayList<>();
    try {
      while (acknowledged.size() < 500 || other.stream().filter(line -> line.startsWith("DONE ")).count() < 200) {
        String line = lines.poll(30, TimeUnit.SECONDS);
        assertThat(line).as("child output so far: %s", other).isNotNull();
        (line.startsWith("ACK ") ? acknowledged : other).add(line);
      }
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(10));
    lines.drainTo(other);
    other.stream().filter(line -> line.startsWith("ACK ")).forEach(acknowledged::add);

    // The lock died with the process; the journal opens and holds every acknowledged append.
    SqliteJournal journal = open();
    List<String> recovered = Await.result(journal.recover()).unfinished().stream().map(JournalEntry::processId)
      .toList();
    List<String> finishedIds = other.stream().filter(line -> line.startsWith("DONE "))
      .map(line -> line.substring("DONE ".length())).toList();
    List<String> acknowledgedIds = acknowledged.stream().map(line -> line.substring("ACK ".length()))
      .filter(id -> id.hashCode() % 2 != 0).toList();
    assertThat(finishedIds).isNotEmpty();
    assertThat(recovered).containsAll(acknowledgedIds); // never given an outcome: unfinished
    assertThat(recovered).doesNotContainAnyElementsOf(finishedIds);
    for (String id : finishedIds) {
      assertThat(Await.result(journal.find(id)).getString("outcome")).as(id).isEqualTo("processed");
    }
    assertThat(recovered).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("the native library is extracted under <journal folder>/native, not java.io.tmpdir")
  void nativeLibraryIsExtractedBesideTheJournal() throws Exception {
    Path database = folder.resolve("svc").resolve("orchestrator.db");

    ChildResult child = runChild(database);

    Path nativeFolder = database.getParent().resolve("native").toAbsolutePath();
    assertThat(child.status()).as(child.output()).isZero();
    assertThat(child.output()).contains("OPENED " + nativeFolder + " ").containsPattern("sqlite[^ ]*jdbc");
  }

  @Test
  @DisplayName("a path under a regular file fails at open with a clear error naming the path")
  void pathUnderARegularFileFails() throws IOException {
    Path regularFile = Files.writeString(folder.resolve("a-file"), "not a folder");
    Path database = regularFile.resolve("sub").resolve("orchestrator.db");

    assertThat(openFailure(database)).hasMessageContaining(database.toString()).hasMessageContaining("folder");
  }

  @Test
  @DisplayName("a file that is not a database fails at open with a clear error naming it, and leaves no lock behind")
  void nonDatabaseFileFails() throws IOException {
    Files.createDirectories(database().getParent());
    Files.writeString(database(), "these are not the pages you are looking for ".repeat(200));

    assertThat(openFailure(database())).hasMessageContaining(database().toString())
      .hasMessageContaining("not a database");

    Files.delete(database());
    open(); // the failed open released its lock
  }

  @Test
  @DisplayName("a file whose schema is newer than this release is refused, naming the version")
  void newerSchemaIsRefused() throws SQLException {
    SqliteJournal journal = open();
    Await.result(journal.close());
    opened.remove(journal);
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database());
         Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA user_version = 99");
    }

    assertThat(openFailure(database())).hasMessageContaining(database().toString()).hasMessageContaining("99");
  }

  @Test
  @DisplayName("disk full: appends fail with JournalUnavailableException, health fails, nothing committed is lost; "
    + "once there is room again, appends and health work")
  void diskFullFailsAppendsAndRecovers() {
    SqliteJournal journal = open();
    List<String> committed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      JournalEntry entry = entry("c" + (i % 3), "before the limit " + i);
      assertThat(Await.result(journal.append(entry, 0))).isEqualTo(AppendResult.APPENDED);
      committed.add(entry.processId());
    }
    Await.result(journal.health());

    Await.result(journal.limitPages(1)); // no page beyond the current size
    String text = "x".repeat(2_000);
    Throwable failure = null;
    JournalEntry refused = null;
    for (int i = 0; i < 5_000 && failure == null; i++) {
      JournalEntry entry = entry("c" + (i % 3), text);
      Future<AppendResult> append = journal.append(entry, 0);
      Await.result(append.otherwiseEmpty());
      if (append.failed()) {
        failure = append.cause();
        refused = entry;
      } else {
        committed.add(entry.processId());
      }
    }

    assertThat(failure).isInstanceOf(JournalUnavailableException.class)
      .hasMessageContaining(database().toAbsolutePath().toString()).hasMessageContaining("full");
    assertThat(Await.failure(journal.health())).isInstanceOf(JournalUnavailableException.class);
    assertThat(journal.stats().failedWrites()).isPositive();
    assertThat(Await.result(journal.recover()).unfinished()).extracting(JournalEntry::processId)
      .containsExactlyElementsOf(committed);
    assertThat(Await.result(journal.find(refused.processId()))).isNull();

    // A write that needs no new page proves nothing: health stays DOWN.
    Await.result(journal.markStarted(committed.getFirst(), 1, 1, 5_000));
    assertThat(Await.failure(journal.health())).isInstanceOf(JournalUnavailableException.class);

    Await.result(journal.limitPages(1_000_000_000L));
    // Room again: health is UP at its next probe, before any append has to come and prove it.
    assertThat(Await.result(journal.health()).getString("type")).isEqualTo("sqlite");
    assertThat(Await.result(journal.append(refused, 0))).isEqualTo(AppendResult.APPENDED);
    committed.add(refused.processId());

    Await.result(journal.close());
    opened.remove(journal);
    SqliteJournal reopened = open();
    assertThat(Await.result(reopened.recover()).unfinished()).extracting(JournalEntry::processId)
      .containsExactlyElementsOf(committed);
  }

  @Test
  @DisplayName("the queue is bounded: while the writer is busy, callers return at once and the overflow is rejected")
  void queueIsBoundedAndCallersNeverWait() throws InterruptedException {
    SqliteJournal journal = Await.result(open(database(), new SqliteJournal.Tuning(4, 2_048)));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Void> hold = journal.holdWriter(entered, release);
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

    List<Future<AppendResult>> waiting = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waiting.add(journal.append(entry("c1", "queued " + i), 0));
    }
    Future<AppendResult> overflow = journal.append(entry("c1", "one too many"), 0);

    assertThat(waiting).allSatisfy(future -> assertThat(future.isComplete()).isFalse());
    assertThat(journal.stats().queueDepth()).isEqualTo(4);
    assertThat(overflow.failed()).isTrue();
    assertThat(overflow.cause()).isInstanceOf(JournalUnavailableException.class).hasMessageContaining("overloaded");

    release.countDown();
    Await.result(hold);
    for (Future<AppendResult> future : waiting) {
      assertThat(Await.result(future)).isEqualTo(AppendResult.APPENDED);
    }
    assertThat(Await.result(journal.recover()).unfinished()).hasSize(4);
    // The four waited together: one transaction, one sync.
    assertThat(journal.stats().lastBatchSize()).isEqualTo(4);
  }

  @Test
  @DisplayName("J2/R2: appends made from an event-bus consumer (each message on its own duplicated context) complete in call order, on the consumer's event loop, even when one group carries them all")
  void appendsFromEventBusHandlersCompleteInCallOrder() throws InterruptedException {
    SqliteJournal journal = open();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Void> hold = journal.holdWriter(entered, release);
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

    int count = 200;
    List<Integer> completionOrder = new ArrayList<>(); // touched on the consumer's event loop only
    List<String> completionThreads = new ArrayList<>();
    CountDownLatch submitted = new CountDownLatch(count);
    CountDownLatch completed = new CountDownLatch(count);
    String[] consumerThread = new String[1];
    CompletableFuture<Void> registered = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(ignored -> {
      consumerThread[0] = Thread.currentThread().getName();
      vertx.eventBus().<Integer>consumer("journal-order-test", message -> {
        int index = message.body();
        journal.append(entry("c" + index, "message " + index), 0).onComplete(appended -> {
          completionOrder.add(index);
          completionThreads.add(Thread.currentThread().getName());
          completed.countDown();
        });
        submitted.countDown();
      }).completion().onComplete(done -> registered.complete(null));
    });
    registered.join();
    for (int i = 0; i < count; i++) {
      vertx.eventBus().send("journal-order-test", i);
    }
    assertThat(submitted.await(10, TimeUnit.SECONDS)).isTrue();
    release.countDown(); // all 200 are waiting: the writer takes them as one group
    Await.result(hold);
    assertThat(completed.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(journal.stats().largestBatchSize()).isEqualTo(count);
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      expected.add(i);
    }
    assertThat(completionOrder).isEqualTo(expected);
    assertThat(completionThreads).containsOnly(consumerThread[0]);
  }

  @Test
  @DisplayName("one write that cannot be made fails alone: the writes grouped with it are committed")
  void aBadWriteDoesNotFailItsGroup() throws InterruptedException {
    SqliteJournal journal = open();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Void> hold = journal.holdWriter(entered, release);
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

    JournalEntry first = entry("c1", "first");
    JournalEntry sameProcessId = new JournalEntry(0, first.processId(), "default", "c2", "other-key",
      new JsonObject().put("text", "a processId used twice"), 2_000, 0, null);
    JournalEntry third = entry("c3", "third");
    Future<AppendResult> a = journal.append(first, 0);
    Future<AppendResult> b = journal.append(sameProcessId, 0);
    Future<AppendResult> c = journal.append(third, 0);
    release.countDown();
    Await.result(hold);

    assertThat(Await.result(a)).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.failure(b)).isInstanceOf(JournalUnavailableException.class).hasMessageContaining("UNIQUE");
    assertThat(Await.result(c)).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(journal.recover()).unfinished()).extracting(JournalEntry::processId)
      .containsExactly(first.processId(), third.processId());
    // The failed write's key was rolled back with it: the key is free.
    JournalEntry sameKey = new JournalEntry(0, "p-same-key", "default", "c2", "other-key",
      new JsonObject().put("text", "the same key, a new message"), 2_000, 0, null);
    assertThat(Await.result(journal.append(sameKey, 0))).isEqualTo(AppendResult.APPENDED);
  }

  @Test
  @DisplayName("J2/J4: appends (and other writes) commit synced; starts, outcomes and reply marks in unsynced commits "
    + "of their own")
  void lifecycleWritesCommitUnsynced() {
    SqliteJournal journal = open();
    JournalEntry entry = entry("c1", "hello");
    Await.result(journal.append(entry, 0));
    assertThat(Await.result(journal.writerPragma("synchronous"))).isEqualTo("2"); // FULL
    long synced = journal.commitCounts()[0];
    assertThat(synced).isPositive();
    assertThat(journal.commitCounts()[1]).isZero();

    Await.result(journal.markStarted(entry.processId(), 1, 1, 2_000));
    Await.result(journal.recordOutcome(new OutcomeRecord(entry.processId(), "processed", "hi", null, 3_000, false)));
    Await.result(journal.markReply(entry.processId(), ReplyState.DELIVERED, 4_000));

    assertThat(journal.commitCounts()[1]).isEqualTo(3);
    // The pragma read is itself a synced write's group: FULL again for it.
    assertThat(Await.result(journal.writerPragma("synchronous"))).isEqualTo("2");
    assertThat(journal.commitCounts()[0]).isEqualTo(synced + 1);
    assertThat(Await.result(journal.find(entry.processId())).getString("replyState")).isEqualTo("delivered");
  }

  @Test
  @DisplayName("R10: the duplicate check holds at most dedupMaxEntries keys (the newest); reopened, it is rebuilt from "
    + "the rows, newest first, without keys older than dedupWindow or forgotten by dropOldest")
  void dedupKeysAreBoundedAndRebuiltAtOpen() {
    long now = System.currentTimeMillis();
    SqliteJournal.Dedup bounds = new SqliteJournal.Dedup(60_000, 3);
    SqliteJournal journal = Await.result(open(database(), bounds, SqliteJournal.Tuning.DEFAULT));
    JournalEntry old = keyed("c1", "k-old", now - 600_000); // ten minutes ago: outside the window
    JournalEntry dropped = keyed("c1", "k-dropped", now - 3);
    JournalEntry first = keyed("c1", "k1", now - 2);
    JournalEntry second = keyed("c2", "k2", now - 1);
    JournalEntry third = keyed("c3", "k3", now);
    for (JournalEntry entry : List.of(old, dropped, first, second, third)) {
      assertThat(Await.result(journal.append(entry, 0))).isEqualTo(AppendResult.APPENDED);
    }
    Await.result(journal.recordOutcome(new OutcomeRecord(dropped.processId(), "dropped", null, "queue full", now,
      true)));
    // Three keys at most: k-old (and k-dropped, forgotten) are no longer held; the three newest are.
    assertThat(Await.result(journal.append(keyed("c1", "k-old", now), 0))).isEqualTo(AppendResult.APPENDED);
    // ...which made k-old the newest and pushed k1 out.
    assertThat(Await.result(journal.append(keyed("c1", "k1", now), 0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(journal.append(keyed("c3", "k3", now), 0))).isEqualTo(AppendResult.DUPLICATE);

    Await.result(journal.close());
    opened.remove(journal);
    SqliteJournal reopened = Await.result(open(database(), new SqliteJournal.Dedup(60_000, 100),
      SqliteJournal.Tuning.DEFAULT));
    // Rebuilt from the rows: every key of the window is a duplicate again (k1 and k-old are held by their newer
    // messages), the dropped message's key is free, the one outside the window is not loaded.
    for (String[] key : new String[][] {{"c1", "k1"}, {"c2", "k2"}, {"c3", "k3"}, {"c1", "k-old"}}) {
      assertThat(Await.result(reopened.append(keyed(key[0], key[1], now), now - 60_000))).as(key[1])
        .isEqualTo(AppendResult.DUPLICATE);
    }
    assertThat(Await.result(reopened.append(keyed("c1", "k-dropped", now), now - 60_000)))
      .isEqualTo(AppendResult.APPENDED);
  }

  @Test
  @DisplayName("R10: keys rebuilt at open hold only within the window: an old row's key is not loaded")
  void keysOlderThanTheWindowAreNotLoaded() {
    long now = System.currentTimeMillis();
    SqliteJournal journal = open();
    assertThat(Await.result(journal.append(keyed("c1", "k-old", now - 600_000), 0))).isEqualTo(AppendResult.APPENDED);
    Await.result(journal.close());
    opened.remove(journal);

    SqliteJournal reopened = Await.result(open(database(), new SqliteJournal.Dedup(60_000, 100),
      SqliteJournal.Tuning.DEFAULT));
    // dedupSince 0 would still count a loaded key as a duplicate: the key was not loaded at all.
    assertThat(Await.result(reopened.append(keyed("c1", "k-old", now), 0))).isEqualTo(AppendResult.APPENDED);
  }

  @Test
  @DisplayName("a journal file of schema v1 is migrated: its held keys stay duplicates, keys v1 had forgotten are free, "
    + "the dedup_keys table is gone")
  void schemaV1IsMigrated() throws Exception {
    Files.createDirectories(database().getParent());
    long now = System.currentTimeMillis();
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database());
         Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA journal_mode = WAL");
      for (String sql : SqliteSchema.statements("V1__messages.sql")) {
        statement.execute(sql);
      }
      statement.execute("PRAGMA user_version = 1");
      for (String[] row : new String[][] {{"p-held", "k-held"}, {"p-forgotten", "k-forgotten"}}) {
        statement.execute("INSERT INTO messages (process_id, account, contact_id, dedup_key, message, format_version,"
          + " accepted_at) VALUES ('" + row[0] + "', 'default', 'c1', '" + row[1] + "', '{}', 1, " + now + ")");
      }
      // v1 kept a held key in dedup_keys too; dropOldest had deleted the other one's.
      statement.execute("INSERT INTO dedup_keys VALUES ('default', 'c1', 'k-held', " + now + ", 'p-held')");
    }

    SqliteJournal journal = open();

    assertThat(query(database(), "PRAGMA user_version")).isEqualTo(String.valueOf(SqliteSchema.latestVersion()));
    assertThat(query(database(), "SELECT count(*) FROM sqlite_master WHERE name = 'dedup_keys'")).isEqualTo("0");
    assertThat(Await.result(journal.recover()).unfinished()).extracting(JournalEntry::processId)
      .containsExactly("p-held", "p-forgotten");
    assertThat(Await.result(journal.append(keyed("c1", "k-held", now), 0))).isEqualTo(AppendResult.DUPLICATE);
    assertThat(Await.result(journal.append(keyed("c1", "k-forgotten", now), 0))).isEqualTo(AppendResult.APPENDED);
  }

  private JournalEntry keyed(String contactId, String key, long acceptedAt) {
    String processId = "p-" + ids.incrementAndGet();
    return new JournalEntry(0, processId, "default", contactId, key, new JsonObject().put("text", key), acceptedAt, 0,
      null);
  }

  @Test
  @DisplayName("purge works in batches of maxRows, keeps rows until then, and gives the freed pages back to the disk")
  void purgeInBatchesAndVacuum() throws SQLException {
    SqliteJournal journal = open();
    String big = "y".repeat(20_000);
    List<JournalEntry> finished = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JournalEntry entry = entry("c1", big);
      Await.result(journal.append(entry, 0));
      Await.result(journal.recordOutcome(new OutcomeRecord(entry.processId(), "processed", "ok", null, 100 + i,
        false)));
      Await.result(journal.markReply(entry.processId(), ReplyState.DELIVERED, 200 + i));
      finished.add(entry);
    }
    JournalEntry recent = entry("c1", big);
    Await.result(journal.append(recent, 0));
    Await.result(journal.recordOutcome(new OutcomeRecord(recent.processId(), "processed", null, null, 5_000, false)));
    // Finished rows stay (until purged) in this store: an operator can still look them up.
    assertThat(Await.result(journal.find(finished.getFirst().processId()))).isNotNull();
    long pagesBefore = Long.parseLong(Await.result(journal.writerPragma("page_count")));

    assertThat(Await.result(journal.purge(1_000, 2))).isEqualTo(2);
    assertThat(Await.result(journal.purge(1_000, 2))).isEqualTo(2);
    assertThat(Await.result(journal.purge(1_000, 2))).isEqualTo(1);
    assertThat(Await.result(journal.purge(1_000, 2))).isZero();

    for (JournalEntry entry : finished) {
      assertThat(Await.result(journal.find(entry.processId()))).isNull();
    }
    assertThat(Await.result(journal.find(recent.processId()))).isNotNull();
    assertThat(Await.result(journal.writerPragma("freelist_count"))).isEqualTo("0");
    assertThat(Long.parseLong(Await.result(journal.writerPragma("page_count")))).isLessThan(pagesBefore - 20);
  }

  @Test
  @DisplayName("stats count appends and commits, the last batch and the file's size; health reports them")
  void statsAndHealth() {
    SqliteJournal journal = open();
    JournalStats before = journal.stats();
    Await.result(journal.append(entry("c1", "one"), 0));
    Await.result(journal.append(entry("c1", "two"), 0));
    long measured = Await.result(journal.measureFile());

    JournalStats after = journal.stats();
    assertThat(after.appends() - before.appends()).isEqualTo(2);
    assertThat(after.commits() - before.commits()).isGreaterThanOrEqualTo(2);
    assertThat(after.lastBatchSize()).isEqualTo(1);
    assertThat(after.appendNanosTotal()).isPositive();
    assertThat(after.fileBytes()).isEqualTo(measured).isPositive();
    assertThat(after.queueDepth()).isZero();

    JsonObject health = Await.result(journal.health());
    assertThat(health.getString("path")).isEqualTo(database().toAbsolutePath().toString());
    assertThat(health.getLong("appends")).isEqualTo(after.appends());
    assertThat(health.getBoolean("durable")).isTrue();
  }

  @Test
  @DisplayName("after close, writes and reads are refused with JournalUnavailableException instead of hanging")
  void closedJournalRefusesCalls() {
    SqliteJournal journal = open();
    Await.result(journal.close());
    opened.remove(journal);

    assertThat(Await.failure(journal.append(entry("c1", "late"), 0))).isInstanceOf(JournalUnavailableException.class)
      .hasMessageContaining("closed");
    assertThat(Await.failure(journal.recover())).isInstanceOf(JournalUnavailableException.class)
      .hasMessageContaining("closed");
    assertThat(Await.failure(journal.health())).isInstanceOf(JournalUnavailableException.class);
  }

  private record ChildResult(int status, String output) {
  }

  /** The command running {@link SqliteJournalChild} in a fresh JVM (small heap) on {@code database}. */
  private static List<String> childCommand(Path database, String... mode) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
      "-cp", System.getProperty("java.class.path")));
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(List.of(SqliteJournalChild.class.getName(), database.toString()));
    command.addAll(List.of(mode));
    return command;
  }

  private static ChildResult runChild(Path database) throws Exception {
    Process process = new ProcessBuilder(childCommand(database)).redirectErrorStream(true).start();
    CompletableFuture<String> output = new CompletableFuture<>();
    Thread.ofPlatform().daemon().name("sqlite-child-output").start(() -> {
      try (InputStream out = process.getInputStream()) {
        output.complete(new String(out.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        output.completeExceptionally(e);
      }
    });
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the child JVM did not end within 30 s");
    }
    return new ChildResult(process.exitValue(), output.get(10, TimeUnit.SECONDS));
  }
}
