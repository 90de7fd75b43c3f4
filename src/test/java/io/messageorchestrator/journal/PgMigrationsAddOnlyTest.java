package io.messageorchestrator.journal;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K4: every shipped PostgreSQL migration only adds, so that a node of the previous version keeps working on a schema
 * a newer node migrated during a rolling upgrade (its statements name their columns; see {@link PgMigrations}).
 * Allowed: {@code CREATE TABLE}, {@code CREATE INDEX} (unique only on a table the same migration creates: on an
 * existing table it could refuse an older node's writes), {@code ALTER TABLE ... ADD COLUMN} (nullable, or with a
 * {@code DEFAULT}: an older node inserts without naming it; a constant default is a catalog change in PostgreSQL 11+,
 * no table rewrite), {@code COMMENT ON}. Anything else — {@code DROP}, {@code RENAME}, {@code ALTER COLUMN},
 * {@code ADD CONSTRAINT}, {@code UPDATE}, {@code DELETE}, {@code TRUNCATE}... — fails this test.
 */
@DisplayName("PostgreSQL migrations only add")
class PgMigrationsAddOnlyTest {
  private static final Pattern CREATE_TABLE = Pattern.compile("CREATE TABLE (IF NOT EXISTS )?(\\w+) ?\\(.*");
  private static final Pattern CREATE_INDEX =
    Pattern.compile("CREATE (UNIQUE )?INDEX (CONCURRENTLY )?(IF NOT EXISTS )?(\\w+ )?ON (ONLY )?(\\w+)\\b.*");
  private static final Pattern ALTER_TABLE = Pattern.compile("ALTER TABLE (IF EXISTS )?(ONLY )?(\\w+) (.*)");
  private static final Pattern ADD_COLUMN = Pattern.compile("ADD COLUMN (IF NOT EXISTS )?\\w+ .*");

  @Test
  @DisplayName("every migration file shipped is listed in PgMigrations.FILES, and none holds a statement that is not"
    + " additive")
  void shippedMigrationsOnlyAdd() throws IOException, URISyntaxException {
    Path folder = Path.of(PgMigrations.class.getResource("/journal/postgres/").toURI());
    List<String> shipped;
    try (Stream<Path> files = Files.list(folder)) {
      shipped = files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".sql")).sorted()
        .toList();
    }
    assertThat(shipped).as("the migration files on the classpath").containsExactlyInAnyOrderElementsOf(
      PgMigrations.FILES);
    List<String> violations = new ArrayList<>();
    for (String file : PgMigrations.FILES) {
      violations.addAll(violations(file, Files.readString(folder.resolve(file), StandardCharsets.UTF_8)));
    }
    assertThat(violations).as("statements that are not additive").isEmpty();
  }

  @Test
  @DisplayName("the check itself: a DROP, RENAME, type change, NOT NULL column without default, constraint, unique"
    + " index on an existing table or data change is caught; additive statements pass")
  void checkCatchesWhatIsNotAdditive() {
    for (String bad : List.of(
      "DROP TABLE dedup_keys;",
      "DROP INDEX messages_unfinished;",
      "ALTER TABLE messages DROP COLUMN replay_of;",
      "ALTER TABLE messages RENAME COLUMN reply TO answer;",
      "ALTER TABLE messages RENAME TO letters;",
      "ALTER TABLE messages ALTER COLUMN attempts TYPE bigint;",
      "ALTER TABLE messages ALTER COLUMN error SET NOT NULL;",
      "ALTER TABLE messages ADD COLUMN priority integer NOT NULL;",
      "ALTER TABLE messages ADD COLUMN ok text, DROP COLUMN error;",
      "ALTER TABLE messages ADD CONSTRAINT one_per_contact UNIQUE (account, contact_id);",
      "CREATE UNIQUE INDEX messages_one_per_contact ON messages (account, contact_id);",
      "UPDATE messages SET format = 2;",
      "DELETE FROM dedup_keys;",
      "TRUNCATE messages;")) {
      assertThat(violations("V9__bad.sql", "-- a migration\n" + bad)).as(bad).hasSize(1);
    }
    assertThat(violations("V9__good.sql", """
      -- a comment; with a semicolon
      ALTER TABLE messages ADD COLUMN format_2 smallint NOT NULL DEFAULT 1;
      ALTER TABLE messages ADD COLUMN IF NOT EXISTS priority text, ADD COLUMN tags jsonb;
      CREATE TABLE IF NOT EXISTS shard_moves (
        shard integer NOT NULL,
        moved_at bigint NOT NULL,
        PRIMARY KEY (shard, moved_at)
      );
      CREATE UNIQUE INDEX shard_moves_one ON shard_moves (shard, moved_at);
      CREATE INDEX IF NOT EXISTS messages_priority ON messages (priority) WHERE priority IS NOT NULL;
      COMMENT ON COLUMN messages.priority IS 'optional';
      """)).isEmpty();
  }

  /** What in {@code sql} is not additive, one line per statement: "file: statement: why". */
  static List<String> violations(String file, String sql) {
    List<String> found = new ArrayList<>();
    Set<String> createdHere = new HashSet<>();
    for (String statement : statements(sql)) {
      String why = why(statement, createdHere);
      if (why != null) {
        found.add(file + ": " + statement + ": " + why);
      }
    }
    return found;
  }

  /** Why the statement is not additive, or {@code null} when it is. */
  private static String why(String statement, Set<String> createdHere) {
    Matcher table = CREATE_TABLE.matcher(statement);
    if (table.matches()) {
      createdHere.add(table.group(2));
      return null;
    }
    Matcher index = CREATE_INDEX.matcher(statement);
    if (index.matches()) {
      return index.group(1) != null && !createdHere.contains(index.group(6))
        ? "a unique index on an existing table can refuse an older node's writes" : null;
    }
    Matcher alter = ALTER_TABLE.matcher(statement);
    if (alter.matches()) {
      for (String action : topLevelParts(alter.group(4))) {
        if (!ADD_COLUMN.matcher(action).matches()) {
          return "ALTER TABLE may only ADD COLUMN, not '" + action + "'";
        }
        if (action.contains("NOT NULL") && !action.contains("DEFAULT")) {
          return "a NOT NULL column needs a DEFAULT: an older node inserts rows without it";
        }
      }
      return null;
    }
    if (statement.startsWith("COMMENT ON ")) {
      return null;
    }
    return "not an additive statement (CREATE TABLE, CREATE INDEX, ALTER TABLE ... ADD COLUMN, COMMENT ON)";
  }

  /** The statements: comments dropped, split on ';', whitespace collapsed, upper case (for matching only). */
  private static List<String> statements(String sql) {
    StringBuilder withoutComments = new StringBuilder();
    for (String line : sql.split("\n")) {
      int comment = line.indexOf("--");
      withoutComments.append(comment < 0 ? line : line.substring(0, comment)).append('\n');
    }
    List<String> statements = new ArrayList<>();
    for (String statement : withoutComments.toString().split(";")) {
      String normalised = statement.strip().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
      if (!normalised.isEmpty()) {
        statements.add(normalised);
      }
    }
    return statements;
  }

  /** {@code text} split on the commas outside parentheses (ALTER TABLE's actions). */
  private static List<String> topLevelParts(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i).strip());
        start = i + 1;
      }
    }
    parts.add(text.substring(start).strip());
    return parts;
  }
}
