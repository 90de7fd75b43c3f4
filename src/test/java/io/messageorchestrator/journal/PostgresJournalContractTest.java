package io.messageorchestrator.journal;

import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

import java.nio.file.Path;

/** The journal contract against the real PostgreSQL server ({@link TestPostgres}), each test in a schema of its own. */
@DisplayName("PostgresJournal keeps the journal contract")
class PostgresJournalContractTest extends JournalContract {
  private final String schema = TestPostgres.uniqueSchema("contract");

  @Override
  protected Future<Journal> open(Vertx vertx, Path folder) {
    return PostgresJournal.open(vertx, TestPostgres.journal(schema)).map(journal -> journal);
  }

  @Override
  protected long commits(Journal journal) {
    return ((PostgresJournal) journal).stats().commits();
  }

  /** Runs before the contract closes the journal: its connections hold no lock between transactions. */
  @AfterEach
  void dropSchema() {
    TestPostgres.dropSchema(vertx, schema);
  }
}
