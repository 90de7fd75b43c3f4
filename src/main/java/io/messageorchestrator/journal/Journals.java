package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Opens the journal {@code journal.type} names. */
public final class Journals {
  private Journals() {
  }

  /**
   * @param dedupMaxEntries the memory journal's bound on dedup keys (durable journals bound them by retention)
   */
  public static Future<Journal> open(Vertx vertx, JournalSettings settings, int dedupMaxEntries) {
    return switch (settings.type()) {
      case "memory" -> Future.succeededFuture(new MemoryJournal(dedupMaxEntries));
      case "sqlite" -> SqliteJournal.open(vertx, settings).map(journal -> (Journal) journal);
      case "postgres" -> PostgresJournal.open(vertx, settings).map(journal -> (Journal) journal);
      default -> Future.failedFuture(new JournalUnavailableException("journal.type '" + settings.type()
        + "' is not available in this build"));
    };
  }
}
