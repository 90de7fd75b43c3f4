package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayName;

import java.nio.file.Path;

@DisplayName("SqliteJournal keeps the journal contract")
class SqliteJournalContractTest extends JournalContract {

  @Override
  protected Future<Journal> open(Vertx vertx, Path folder) {
    return SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite")
      .withPath(folder.resolve("data").resolve("orchestrator.db").toString())).map(Journal.class::cast);
  }

  @Override
  protected long commits(Journal journal) {
    return ((SqliteJournal) journal).stats().commits();
  }
}
