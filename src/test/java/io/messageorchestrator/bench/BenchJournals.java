package io.messageorchestrator.bench;

import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The durable journals a scenario runs on, each in a place of its own that is removed afterwards: a SQLite file in a
 * fresh temporary folder, a PostgreSQL schema with a unique name on the server of the {@code PG*} variables
 * ({@link TestPostgres}), dropped after.
 */
final class BenchJournals {
  private BenchJournals() {
  }

  /** A temporary folder for a SQLite journal; {@link #delete} it after. */
  static Path sqliteFolder(String scenario) {
    try {
      return Files.createTempDirectory("bench-" + scenario + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code journal} configuration group of a SQLite journal in {@code folder}. */
  static JsonObject sqlite(Path folder) {
    return new JsonObject().put("type", "sqlite").put("path", folder.resolve("orchestrator.db").toString());
  }

  /** The {@code journal} configuration group of a PostgreSQL journal in {@code schema}. */
  static JsonObject postgres(String schema) {
    return new JsonObject().put("type", "postgres").put("postgres", new JsonObject()
      .put("host", TestPostgres.host()).put("port", TestPostgres.port()).put("database", TestPostgres.database())
      .put("user", TestPostgres.user()).put("password", TestPostgres.password()).put("schema", schema)
      .put("poolSize", 4));
  }

  static String newSchema(String scenario) {
    return TestPostgres.uniqueSchema("bench_" + scenario.replace('-', '_'));
  }

  static void dropSchema(String schema) {
    Vertx vertx = Vertx.vertx();
    try {
      TestPostgres.dropSchema(vertx, schema);
    } finally {
      Harness.await(vertx.close(), 30_000);
    }
  }

  /** Deletes the folder and everything in it (the database, its WAL, the lock file, the native library). */
  static void delete(Path folder) {
    try (Stream<Path> paths = Files.walk(folder)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      System.err.println("bench: could not delete " + folder + ": " + e);
    }
  }
}
