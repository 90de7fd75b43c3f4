package io.messageorchestrator.journal;

/**
 * A shard taken by {@link PostgresJournal#acquireShard}: its writes go through {@link PostgresJournal#forShard} with
 * this epoch, and are refused ({@link ShardFencedException}) once a newer epoch exists or the lease was released.
 *
 * @param shard the shard
 * @param epoch its ownership epoch: 1 for the first owner ever, then one more for each acquire
 */
public record ShardLease(int shard, long epoch) {
}
