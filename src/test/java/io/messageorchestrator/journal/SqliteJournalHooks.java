package io.messageorchestrator.journal;

import io.vertx.core.Future;

/** The SQLite journal's test hooks, for tests outside this package (the crash tests' full-disk simulation). */
public final class SqliteJournalHooks {
  private SqliteJournalHooks() {
  }

  /**
   * Caps the file at {@code pages} pages ({@code PRAGMA max_page_count}, at least its current size): the journal
   * behaves as on a full disk until a larger cap is set. The cap lives on the open connection only.
   */
  public static Future<Long> limitPages(SqliteJournal journal, long pages) {
    return journal.limitPages(pages);
  }
}
