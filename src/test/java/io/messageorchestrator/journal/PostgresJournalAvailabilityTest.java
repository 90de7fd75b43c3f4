package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.TcpProxy;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PostgreSQL journal when the database is unreachable, down, or stops answering: callers fail with
 * {@link JournalUnavailableException} within the time limits (never hang), and the journal works again when the
 * database is back. Outages are played by a TCP proxy in front of the real server.
 */
@DisplayName("PostgreSQL journal availability")
class PostgresJournalAvailabilityTest extends PostgresSchemaTests {
  /** Connect 2 s (a first connection on a busy 2-core machine needs ~0.5 s), statement 1 s: a batch's deadline is 4 s. */
  private static final PostgresJournal.Limits SHORT = new PostgresJournal.Limits(1_000, 1_000, 2_000, 1_000);

  private TcpProxy proxy;
  private PostgresJournal journal;

  @Override
  protected String schemaPurpose() {
    return "outage";
  }

  @BeforeEach
  void open() {
    proxy = new TcpProxy(vertx, TestPostgres.host(), TestPostgres.port());
    int port = proxy.start();
    journal = Await.result(PostgresJournal.open(vertx, TestPostgres.journal(schema, "127.0.0.1", port), SHORT));
  }

  @AfterEach
  void drop() {
    proxy.thaw();
    Await.result(journal.close());
    Await.result(proxy.close());
  }

  private static JournalEntry entry(String id) {
    return PostgresJournalTest.entry(id, "c1", "wamid." + id, 10);
  }

  @Test
  @DisplayName("a server that is not listening fails open with JournalUnavailableException within the connect"
    + " timeout")
  void unreachableServer() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    long start = System.nanoTime();
    Throwable failure = Await.failure(PostgresJournal.open(vertx,
      TestPostgres.journal(TestPostgres.uniqueSchema("never"), "127.0.0.1", closedPort), SHORT));
    assertThat(failure).isInstanceOf(JournalUnavailableException.class).hasMessageContaining("127.0.0.1:" + closedPort);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
  }

  @Test
  @DisplayName("while the database is down, appends and health fail with JournalUnavailableException; when it is"
    + " back, the journal works again")
  void downThenBack() {
    assertThat(Await.result(journal.append(entry("before"), 0))).isEqualTo(AppendResult.APPENDED);
    assertThat(Await.result(journal.health()).getString("type")).isEqualTo("postgres");

    proxy.stop();
    long start = System.nanoTime();
    assertThat(Await.failure(journal.append(entry("during"), 0))).isInstanceOf(JournalUnavailableException.class);
    assertThat(Await.failure(journal.health())).isInstanceOf(JournalUnavailableException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(SHORT.batchDeadlineMs() * 2);
    assertThat(journal.postgresStats().failedWrites()).isPositive();

    proxy.start();
    assertThat(Await.result(journal.append(entry("after"), 0))).isEqualTo(AppendResult.APPENDED);
    Await.result(journal.health());
    assertThat(Await.result(journal.recover()).unfinished()).extracting(JournalEntry::processId)
      .containsExactly("before", "after");
  }

  @Test
  @DisplayName("a database that stops answering fails an append and the health probe at their deadline instead of"
    + " hanging, and what timed out is not committed later")
  void serverStopsAnswering() {
    assertThat(Await.result(journal.append(entry("before"), 0))).isEqualTo(AppendResult.APPENDED);
    proxy.freeze();
    long start = System.nanoTime();
    Throwable failure = Await.failure(journal.append(entry("frozen"), 0));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(failure).isInstanceOf(JournalUnavailableException.class).hasMessageContaining("did not answer");
    assertThat(tookMs).isBetween(SHORT.batchDeadlineMs() - 100, SHORT.batchDeadlineMs() + 3_000);
    long healthStart = System.nanoTime();
    assertThat(Await.failure(journal.health())).isInstanceOf(JournalUnavailableException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healthStart))
      .isLessThan(SHORT.batchDeadlineMs() + 3_000);

    proxy.thaw();
    assertThat(Await.result(journal.append(entry("after"), 0))).isEqualTo(AppendResult.APPENDED);
    // the frozen append's statements reached the server after its deadline: rolled back, not committed
    assertThat(Await.result(journal.recover()).unfinished()).extracting(JournalEntry::processId)
      .containsExactly("before", "after");
  }

  @Test
  @DisplayName("statements stuck on the server (a table lock) end at statement_timeout with"
    + " JournalUnavailableException, the whole batch at once")
  void stuckStatement() {
    Await.result(journal.append(entry("before"), 0));
    PgConnection locker = Await.result(PgConnection.connect(vertx, TestPostgres.connectOptions()));
    try {
      Await.result(locker.query("BEGIN; LOCK TABLE " + schema + ".messages IN ACCESS EXCLUSIVE MODE").execute());
      long start = System.nanoTime();
      // Five appends in one batch: all fail at the one statement_timeout, not once per append.
      Promise<List<Future<AppendResult>>> submitted = Promise.promise();
      vertx.runOnContext(v -> {
        List<Future<AppendResult>> appends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          appends.add(journal.append(entry("blocked" + i), 0));
        }
        submitted.complete(appends);
      });
      for (Future<AppendResult> append : Await.result(submitted.future())) {
        assertThat(Await.failure(append)).isInstanceOf(JournalUnavailableException.class);
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      // one or two batches (1–2 s); retried one by one, they would take 6 s or more
      assertThat(tookMs).isBetween((long) SHORT.statementTimeoutMs() - 100, 4L * SHORT.statementTimeoutMs());
    } finally {
      Await.result(locker.query("ROLLBACK").execute().eventually(locker::close));
    }
    assertThat(Await.result(journal.append(entry("after"), 0))).isEqualTo(AppendResult.APPENDED);
  }
}
