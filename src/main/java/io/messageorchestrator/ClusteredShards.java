package io.messageorchestrator;

import io.messageorchestrator.cluster.ShardHost;
import io.messageorchestrator.cluster.ShardOwnership;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.PostgresJournal;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.journal.ShardLease;
import io.messageorchestrator.orchestrator.MovedShardAnswer;
import io.messageorchestrator.orchestrator.ShardVerticle;
import io.messageorchestrator.outbound.OutboundVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Cluster mode: runs the shards {@link ShardOwnership} gives this node. Starting a shard = its journal view fenced by
 * the shard's epoch ({@link PostgresJournal#forShard}), its unfinished messages, pauses and undelivered replies read
 * from that view, and its {@link ShardVerticle} deployed with them — consumers of its cluster-wide addresses, so the
 * routers of every node find it here. Handing it off = draining it (no new work; calls in flight finish within
 * {@code shutdownGracePeriod}; what still waits stays in the journal for the next owner) and undeploying it.
 *
 * <p>Called by the ownership's context, at most one call at a time per shard; the map of running shards is only
 * touched there.
 */
final class ClusteredShards implements ShardHost {
  private static final Logger LOG = LoggerFactory.getLogger(ClusteredShards.class);

  /**
   * Makes shard {@code index}'s verticle writing to {@code journal} at {@code epoch}, with what its recovery found.
   * Its process ids must differ from those of every earlier run of the shard, here or on another node: a shard that
   * comes back to a node starts counting again, so the epoch belongs in their prefix.
   */
  @FunctionalInterface
  interface ShardFactory {
    ShardVerticle create(int index, long epoch, Journal journal, Recovery recovery);
  }

  private record Running(ShardVerticle verticle, String deployment) {
  }

  private final Vertx vertx;
  private final PostgresJournal journal;
  private final ShardFactory factory;
  private final OutboundVerticle outbound;
  private final Map<Integer, Running> running = new HashMap<>();
  /** Shards handed off a moment ago: their process address still answers {@code shard_moved} from here. */
  private final Map<Integer, MovedShardAnswer> moved = new HashMap<>();
  private ShardOwnership ownership;

  ClusteredShards(Vertx vertx, PostgresJournal journal, ShardFactory factory, OutboundVerticle outbound) {
    this.vertx = vertx;
    this.journal = journal;
    this.factory = factory;
    this.outbound = outbound;
  }

  /** The ownership that calls this host: told when a shard's journal refuses a write (its epoch was superseded). */
  void ownedBy(ShardOwnership ownership) {
    this.ownership = ownership;
  }

  @Override
  public Future<Void> start(ShardLease lease) {
    int shard = lease.shard();
    MovedShardAnswer stale = moved.remove(shard);
    if (stale != null) { // back here within MovedShardAnswer.KEEP_MS: only the shard's own consumer must answer
      stale.close();
    }
    Journal view = journal.forShard(shard, lease.epoch());
    long started = System.nanoTime();
    return view.recover().compose(recovery -> {
      ShardVerticle verticle = factory.create(shard, lease.epoch(), view, recovery)
        .onFenced(lost -> ownership.reportFenced(shard, lost.epoch()));
      return vertx.deployVerticle(verticle).map(deployment -> {
        running.put(shard, new Running(verticle, deployment));
        outbound.deliverRecovered(recovery.replies());
        LOG.info("Shard {} started at epoch {}: {} unfinished messages, {} undelivered replies, {} pauses recovered in"
            + " {} ms", shard, lease.epoch(), recovery.unfinished().size(), recovery.replies().size(),
          recovery.pauses().size(), (System.nanoTime() - started) / 1_000_000);
        return null;
      });
    });
  }

  @Override
  public Future<Void> handOff(int shard) {
    Running shardRunning = running.remove(shard);
    if (shardRunning == null) {
      return Future.succeededFuture();
    }
    return shardRunning.verticle().drain()
      .onSuccess(drained -> LOG.info("Shard {} handed off: {}", shard, drained.encode()))
      // Before the shard's consumer goes: a request other nodes still send here is told to go elsewhere.
      .transform(ignored -> MovedShardAnswer.register(vertx, shard).map(answer -> {
        moved.put(shard, answer);
        vertx.setTimer(MovedShardAnswer.KEEP_MS, id -> {
          if (moved.remove(shard, answer)) {
            answer.close();
          }
        });
        return null;
      }).otherwiseEmpty())
      // Deployed from the ownership's context, a shard is that deployment's child: when the ownership itself is
      // undeployed (the node stops), Vert.x may have undeployed the shard already.
      .transform(ignored -> vertx.deploymentIDs().contains(shardRunning.deployment())
        ? vertx.undeploy(shardRunning.deployment()) : Future.succeededFuture())
      .recover(failure -> {
        LOG.warn("Shard {}: hand-off ended with {}", shard, failure.getMessage());
        return Future.succeededFuture();
      });
  }
}
