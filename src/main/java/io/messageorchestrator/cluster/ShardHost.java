package io.messageorchestrator.cluster;

import io.messageorchestrator.journal.ShardLease;
import io.vertx.core.Future;

/**
 * What runs the shards this node owns ({@link ShardOwnership} decides which). Both calls come from the ownership's
 * context, at most one at a time per shard: {@code start} of a shard is never called again before its
 * {@code handOff} has completed.
 */
public interface ShardHost {

  /**
   * Runs {@code lease.shard()}: the ownership holds the shard's cluster claim and PostgreSQL epoch
   * {@code lease.epoch()}; every journal write of the shard must go through {@code forShard(shard, epoch)}, whose
   * refusal ({@code ShardFencedException}) is reported back with {@link ShardOwnership#reportFenced}. Typically: deploy
   * the shard's verticle, recover the shard's unfinished messages, then complete (within a bounded time: until then
   * the shard can neither be handed off nor moved). A failure makes the ownership give the shard up
   * ({@link #handOff} is called to clean up, the epoch is released) and try again later at a new epoch.
   */
  Future<Void> start(ShardLease lease);

  /**
   * Stops the shard: start no new work, let what is in flight finish within a grace period, leave the rest in the
   * journal, then complete (also on a shard lost to fencing or to the cluster, where in-flight writes will be
   * refused). Must complete within a bounded time; the ownership releases the shard after it in any case (a write
   * still in flight then is refused by the epoch, not lost: it is still in the journal for the next owner).
   */
  Future<Void> handOff(int shard);
}
