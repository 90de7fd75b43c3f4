package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayName;

import java.nio.file.Path;

@DisplayName("MemoryJournal keeps the journal contract (except surviving a close: it is not durable)")
class MemoryJournalContractTest extends JournalContract {

  @Override
  protected Future<Journal> open(Vertx vertx, Path folder) {
    return Future.succeededFuture(new MemoryJournal(100_000));
  }
}
