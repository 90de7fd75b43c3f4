package io.messageorchestrator.journal;

/**
 * A write of a shard's journal view ({@link PostgresJournal#forShard}) was refused, and changed nothing, because the
 * view's ownership epoch is no longer the shard's current one: another node took the shard (a newer epoch), or this
 * owner released it. The node must stop running the shard: the new owner recovers its unfinished messages.
 *
 * <p>A {@link JournalUnavailableException}, so that a caller that only knows that one still does the safe thing (an
 * append answered 503: the provider retries, and reaches the new owner).
 */
public final class ShardFencedException extends JournalUnavailableException {
  private final int shard;
  private final long epoch;

  public ShardFencedException(int shard, long epoch) {
    super("shard " + shard + " is no longer owned at epoch " + epoch + ": another node took it, or it was released");
    this.shard = shard;
    this.epoch = epoch;
  }

  public int shard() {
    return shard;
  }

  /** The refused epoch (the shard's current one is higher, or this one was released). */
  public long epoch() {
    return epoch;
  }
}
