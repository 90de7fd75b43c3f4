package io.messageorchestrator.crash;

import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.JournalSettings;
import io.messageorchestrator.journal.SqliteJournal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;

/** The crash test on the default journal: one SQLite file in the test's own temporary folder. */
@DisplayName("kill -9 with the SQLite journal")
class SqliteCrashTest extends CrashTestBase {

  private String journalPath() {
    return dir.resolve("data").resolve("orchestrator.db").toString();
  }

  @Override
  JsonObject journalConfig() {
    return new JsonObject().put("type", "sqlite").put("path", journalPath());
  }

  @Override
  Future<? extends Journal> openJournal() {
    return SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite").withPath(journalPath()));
  }
}
