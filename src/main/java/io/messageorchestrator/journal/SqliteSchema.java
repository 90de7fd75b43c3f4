package io.messageorchestrator.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQLite journal's schema, versioned: migrations are the resources {@code journal/sqlite/V<n>__<name>.sql},
 * numbered from 1 without gaps (listed in {@link #MIGRATIONS}: a jar's folders cannot be listed). {@code PRAGMA
 * user_version} holds the last one applied; each runs in its own transaction with the version bump, so a crash
 * mid-migration leaves the previous version intact.
 */
final class SqliteSchema {
  static final List<String> MIGRATIONS = List.of("V1__messages.sql", "V2__dedup_keys_in_messages.sql",
    "V3__contact_pauses.sql");
  private static final String FOLDER = "journal/sqlite/";

  private SqliteSchema() {
  }

  static int latestVersion() {
    return MIGRATIONS.size();
  }

  /** Applies the migrations the file lacks; refuses a file written by a newer version. Returns the version. */
  static int migrate(Connection connection, String database) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      int current = Integer.parseInt(SqliteFiles.pragma(statement, "PRAGMA user_version"));
      if (current > latestVersion()) {
        throw new JournalUnavailableException("the SQLite journal " + database + " has schema version " + current
          + ", newer than this release knows (" + latestVersion() + "): run the newer release");
      }
      for (int version = current + 1; version <= latestVersion(); version++) {
        statement.execute("BEGIN IMMEDIATE");
        try {
          for (String sql : statements(MIGRATIONS.get(version - 1))) {
            statement.execute(sql);
          }
          statement.execute("PRAGMA user_version = " + version);
          statement.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
          statement.execute("ROLLBACK");
          throw e;
        }
      }
      return latestVersion();
    }
  }

  /** The file's statements: {@code --} comments dropped, split on {@code ;} (migrations hold no triggers). */
  static List<String> statements(String file) {
    String text;
    try (InputStream in = SqliteSchema.class.getClassLoader().getResourceAsStream(FOLDER + file)) {
      if (in == null) {
        throw new IllegalStateException("migration " + FOLDER + file + " is missing from the classpath");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + FOLDER + file, e);
    }
    StringBuilder withoutComments = new StringBuilder();
    for (String line : text.split("\n")) {
      int comment = line.indexOf("--");
      withoutComments.append(comment < 0 ? line : line.substring(0, comment)).append('\n');
    }
    List<String> statements = new ArrayList<>();
    for (String sql : withoutComments.toString().split(";")) {
      if (!sql.isBlank()) {
        statements.add(sql.strip());
      }
    }
    return statements;
  }
}
