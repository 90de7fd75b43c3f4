package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Tests against the real PostgreSQL server ({@link TestPostgres}): one Vert.x for the class, and for each test a
 * schema of its own with a random name, dropped after it (after the subclass's own clean-up has closed its journal),
 * so suites can share a server.
 */
abstract class PostgresSchemaTests {
  protected static Vertx vertx;
  protected String schema;

  /** A word in the schema's name saying which tests made it ({@code t_<purpose>_<random>}). */
  protected abstract String schemaPurpose();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    Await.result(vertx.close());
  }

  @BeforeEach
  void takeSchema() {
    schema = TestPostgres.uniqueSchema(schemaPurpose());
  }

  @AfterEach
  void dropSchema() {
    TestPostgres.dropSchema(vertx, schema);
  }
}
