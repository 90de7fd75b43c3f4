package io.messageorchestrator.crash;

import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.PostgresJournal;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;

/**
 * The crash test on PostgreSQL (the server {@link TestPostgres} names, from the {@code PG*} variables): the test's own
 * schema, dropped after.
 */
@DisplayName("kill -9 with the PostgreSQL journal")
class PostgresCrashTest extends CrashTestBase {
  private final String schema = TestPostgres.uniqueSchema("crash");

  @Override
  void dropJournal() {
    TestPostgres.dropSchema(vertx, schema);
  }

  @Override
  JsonObject journalConfig() {
    return TestPostgres.journalConfig(schema);
  }

  @Override
  Future<? extends Journal> openJournal() {
    return PostgresJournal.open(vertx, TestPostgres.journal(schema));
  }
}
