package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the journal's schema if missing and applies the numbered migrations it has not seen yet
 * ({@code src/main/resources/journal/postgres/V<n>__<what>.sql}), recording each in {@code schema_version}.
 *
 * <p>Everything runs in one transaction holding a transaction-level advisory lock keyed by the schema name, so two
 * nodes starting together apply each migration once (the second waits, then finds nothing to do) and a failed
 * migration leaves nothing half-applied. Migrations only add; a shipped file is never edited.
 *
 * <p>Rolling upgrades (K4): the first node of a new version migrates the shared schema while nodes of the previous
 * version still run on it, and one of those may restart before it is replaced. Because migrations only add (tables,
 * nullable or defaulted columns, indexes: checked by a test over the shipped files) and the build's statements name
 * their columns, a build runs on a schema newer than it knows, as long as the schema went through this build's own
 * migrations (the versions it knows are recorded under the same file names): it starts with a warning. A schema whose
 * recorded migrations differ from this build's (another line of development, an edited file) is refused.
 */
final class PgMigrations {
  private static final Logger LOG = LoggerFactory.getLogger(PgMigrations.class);

  /** In order; version n is the n-th file. */
  static final List<String> FILES = List.of("V1__messages_and_dedup_keys.sql", "V2__shard_owners.sql",
    "V3__contact_pauses.sql");

  private static final String FOLDER = "/journal/postgres/";

  private PgMigrations() {
  }

  /** The schema's version after migrating. */
  static Future<Integer> apply(Pool pool, String schema) {
    return apply(pool, schema, FILES.size());
  }

  /** Migrates up to {@code version} only: tests build a schema as an older version left it. */
  static Future<Integer> apply(Pool pool, String schema, int version) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1))")
      .execute(Tuple.of("message-orchestrator.journal:" + schema))
      // client_min_messages: "already exists, skipping" notices would be logged as warnings at every start
      .compose(locked -> conn.query("SET LOCAL client_min_messages TO warning; CREATE SCHEMA IF NOT EXISTS " + schema
        + "; CREATE TABLE IF NOT EXISTS " + schema + ".schema_version ("
        + "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute())
      .compose(created -> conn.query("SELECT version, name FROM " + schema + ".schema_version ORDER BY version")
        .execute())
      .compose(rows -> {
        List<String> recorded = new ArrayList<>();
        int last = 0;
        for (Row row : rows) {
          last = row.getInteger("version");
          recorded.add(row.getString("name"));
        }
        int current = last;
        return checkKnown(schema, recorded, current).compose(known -> applyFrom(conn, schema, current, version));
      }));
  }

  /**
   * Refuses a schema whose migrations are not this build's (the first {@code FILES.size()} recorded names must be
   * this build's files, in order); accepts one newer than this build with a warning: the newer migrations only added.
   */
  private static Future<Void> checkKnown(String schema, List<String> recorded, int current) {
    List<String> known = recorded.subList(0, Math.min(recorded.size(), FILES.size()));
    if (!known.equals(FILES.subList(0, known.size()))) {
      return Future.failedFuture(new IllegalStateException("the journal schema '" + schema + "' was migrated by"
        + " another build: its migrations are " + recorded + ", this build's are " + FILES));
    }
    if (current > FILES.size()) {
      LOG.warn("The journal schema '{}' is at version {}, newer than this build knows ({}): a newer version of the"
          + " service migrated it (a rolling upgrade). Running on it, since migrations only add; replace this node with"
          + " the newer version.", schema, current, FILES.size());
    }
    return Future.succeededFuture();
  }

  private static Future<Integer> applyFrom(SqlConnection conn, String schema, int current, int target) {
    if (current >= target) {
      return Future.succeededFuture(current);
    }
    String file = FILES.get(current);
    int version = current + 1;
    return conn.query("SET LOCAL search_path TO " + schema + "; " + read(file)).execute()
      .compose(applied -> conn.preparedQuery("INSERT INTO " + schema + ".schema_version (version, name) VALUES ($1, $2)")
        .execute(Tuple.of(version, file)))
      .compose(recorded -> applyFrom(conn, schema, version, target));
  }

  /** The versions recorded in the schema, for tests and operators. */
  static Future<List<Integer>> versions(Pool pool, String schema) {
    return pool.query("SELECT version FROM " + schema + ".schema_version ORDER BY version").execute()
      .map(rows -> {
        List<Integer> versions = new ArrayList<>();
        for (Row row : rows) {
          versions.add(row.getInteger(0));
        }
        return versions;
      });
  }

  private static String read(String file) {
    try (InputStream in = PgMigrations.class.getResourceAsStream(FOLDER + file)) {
      if (in == null) {
        throw new IllegalStateException("migration " + FOLDER + file + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
