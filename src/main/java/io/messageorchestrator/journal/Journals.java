package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Opens the journal {@code journal.type} names. */
public final class Journals {
  private Journals() {
  }

  /**
   * @param dedupWindow     how long a key makes a duplicate (ms): the SQLite journal loads no older key at open
   * @param dedupMaxEntries keys the memory and SQLite journals hold at most, the newest kept (PostgreSQL keeps every
   *                        key of the window: its unique index is the check)
   */
  public static Future<Journal> open(Vertx vertx, JournalSettings settings, long dedupWindow, int dedupMaxEntries) {
    return open(vertx, settings, dedupWindow, dedupMaxEntries, false);
  }

  /**
   * @param sharedSchema cluster mode: the nodes of the cluster share the PostgreSQL schema (no one-node-per-schema
   *                     claim); ignored by the other journals, which cluster mode refuses
   */
  public static Future<Journal> open(Vertx vertx, JournalSettings settings, long dedupWindow, int dedupMaxEntries,
                                     boolean sharedSchema) {
    return switch (settings.type()) {
      case "memory" -> Future.succeededFuture(new MemoryJournal(dedupMaxEntries));
      case "sqlite" -> SqliteJournal.open(vertx, settings, dedupWindow, dedupMaxEntries).map(journal -> (Journal) journal);
      case "postgres" -> PostgresJournal.open(vertx, settings, PostgresJournal.Limits.DEFAULTS, sharedSchema)
        .map(journal -> (Journal) journal);
      default -> Future.failedFuture(new JournalUnavailableException("journal.type '" + settings.type()
        + "' is not available in this build"));
    };
  }
}
