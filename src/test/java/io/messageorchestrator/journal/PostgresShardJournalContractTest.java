package io.messageorchestrator.journal;

import io.messageorchestrator.support.ForwardingJournal;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

import java.nio.file.Path;

/**
 * The journal contract kept by one shard's view of a shared schema ({@link PostgresJournal#forShard}), each test in a
 * schema of its own: every open is a node (re)starting in cluster mode and taking shard 0 at the next epoch, so the
 * reopen case is a new owner recovering what the previous one left.
 */
@DisplayName("A shard of the PostgreSQL journal in cluster mode keeps the journal contract")
class PostgresShardJournalContractTest extends JournalContract {
  private final String schema = TestPostgres.uniqueSchema("shardcontract");

  /** The view, closing the node's journal with it. */
  private static final class OwnedShard extends ForwardingJournal {
    private final PostgresJournal node;

    OwnedShard(PostgresJournal node, Journal shard) {
      super(shard);
      this.node = node;
    }

    @Override
    public Future<Void> close() {
      return store.close().compose(closed -> node.close());
    }
  }

  @Override
  protected Future<Journal> open(Vertx vertx, Path folder) {
    return PostgresJournal.openShared(vertx, TestPostgres.journal(schema)).compose(node -> node
      .acquireShard(0, "node-" + System.nanoTime())
      .map(lease -> (Journal) new OwnedShard(node, node.forShard(lease.shard(), lease.epoch()))));
  }

  @Override
  protected long commits(Journal journal) {
    return ((OwnedShard) journal).node.stats().commits();
  }

  /** Runs before the contract closes the journal: its connections hold no lock between transactions. */
  @AfterEach
  void dropSchema() {
    TestPostgres.dropSchema(vertx, schema);
  }
}
