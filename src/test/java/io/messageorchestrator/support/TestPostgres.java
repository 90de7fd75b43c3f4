package io.messageorchestrator.support;

import io.messageorchestrator.journal.JournalSettings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;

import java.util.Locale;
import java.util.UUID;

/**
 * The PostgreSQL server the tests use: the standard {@code PGHOST}, {@code PGPORT}, {@code PGDATABASE},
 * {@code PGUSER} and {@code PGPASSWORD} variables, defaulting to the project machines' server (127.0.0.1:5432,
 * database and user {@code postgres}, trust auth). Each test takes a schema of its own ({@link #uniqueSchema}) and
 * drops it after ({@link #dropSchema}), so suites from two checkouts can run side by side.
 */
public final class TestPostgres {
  private TestPostgres() {
  }

  public static String host() {
    return env("PGHOST", "127.0.0.1");
  }

  public static int port() {
    return Integer.parseInt(env("PGPORT", "5432"));
  }

  public static String database() {
    return env("PGDATABASE", "postgres");
  }

  public static String user() {
    return env("PGUSER", "postgres");
  }

  public static String password() {
    return env("PGPASSWORD", "");
  }

  /** A fresh lowercase schema name, e.g. {@code t_journal_3f9a1c0d2b7e}. */
  public static String uniqueSchema(String what) {
    return ("t_" + what + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16))
      .toLowerCase(Locale.ROOT);
  }

  /** Journal settings with type {@code postgres} for this server and the given schema. */
  public static JournalSettings journal(String schema) {
    return journal(schema, host(), port());
  }

  /** The same through another address (e.g. a proxy in front of the server, or a closed port). */
  public static JournalSettings journal(String schema, String host, int port) {
    return JournalSettings.memory().withType("postgres").withPostgres(new JournalSettings.Postgres("", host, port,
      database(), user(), password(), schema, 4));
  }

  /** The {@code journal} section of a service configuration: type {@code postgres}, this server, {@code schema}. */
  public static JsonObject journalConfig(String schema) {
    return new JsonObject().put("type", "postgres").put("postgres", new JsonObject()
      .put("host", host()).put("port", port()).put("database", database()).put("user", user())
      .put("password", password()).put("schema", schema));
  }

  /** {@link #journalConfig(String)} with {@code poolSize} connections. */
  public static JsonObject journalConfig(String schema, int poolSize) {
    JsonObject journal = journalConfig(schema);
    journal.getJsonObject("postgres").put("poolSize", poolSize);
    return journal;
  }

  public static PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(host()).setPort(port()).setDatabase(database()).setUser(user())
      .setPassword(password());
  }

  /** Runs one SQL string (several statements allowed) on a connection of its own. */
  public static void execute(Vertx vertx, String sql) {
    Await.result(PgConnection.connect(vertx, connectOptions())
      .compose(conn -> conn.query(sql).execute().eventually(conn::close)));
  }

  public static void dropSchema(Vertx vertx, String schema) {
    execute(vertx, "SET client_min_messages TO warning; DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
