package io.messageorchestrator.journal;

/**
 * The {@code journal} configuration group.
 *
 * @param type      {@code sqlite} (default), {@code postgres} or {@code memory} (not durable)
 * @param path      the SQLite file ({@code data/orchestrator.db}); its folder is created; the native library is
 *                  extracted to {@code <folder>/native}
 * @param retention how long finished messages are kept (ms); purged after {@code max(dedupWindow, retention)}
 * @param postgres  connection settings for {@code postgres}
 */
public record JournalSettings(String type, String path, long retention, Postgres postgres) {

  /**
   * @param uri      a {@code postgresql://} URI; when set it replaces host, port, database, user and password
   * @param schema   the schema the journal's tables live in (created if missing); tests give each suite its own
   * @param poolSize connections
   */
  public record Postgres(String uri, String host, int port, String database, String user, String password,
                         String schema, int poolSize) {
  }

  public static JournalSettings memory() {
    return new JournalSettings("memory", "", 86_400_000L,
      new Postgres("", "127.0.0.1", 5432, "postgres", "postgres", "", "orchestrator", 4));
  }

  public JournalSettings withType(String newType) {
    return new JournalSettings(newType, path, retention, postgres);
  }

  public JournalSettings withPath(String newPath) {
    return new JournalSettings(type, newPath, retention, postgres);
  }

  public JournalSettings withPostgres(Postgres newPostgres) {
    return new JournalSettings(type, path, retention, newPostgres);
  }
}
