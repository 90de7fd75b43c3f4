package io.messageorchestrator.journal;

import io.vertx.core.json.JsonObject;

/**
 * A snapshot of the PostgreSQL journal's counters, cheap to take from any thread (metrics gauges read it on scrape).
 * Named like the SQLite journal's, so that both are wired to the same metrics.
 *
 * @param appends          appends committed (duplicates included: they are answered from a commit too)
 * @param commits          transactions committed: far fewer than operations when commits are grouped
 * @param lastBatchSize    operations in the last committed transaction
 * @param largestBatchSize the most operations one transaction has carried
 * @param queueDepth       operations waiting for the writer now
 * @param failedWrites     operations answered with {@link JournalUnavailableException} (database down, deadline
 *                         passed, refused), queue-full refusals included
 * @param rejected         of those, refused at once because the queue was full
 * @param appendNanosTotal sum over committed appends of the time from call to commit (divide by {@code appends} for
 *                         the mean append latency)
 * @param fencedWrites     cluster mode: shard writes refused because another node took the shard
 *                         ({@link ShardFencedException}); not counted in {@code failedWrites}
 */
public record PostgresJournalStats(long appends, long commits, int lastBatchSize, int largestBatchSize,
                                   int queueDepth, long failedWrites, long rejected, long appendNanosTotal,
                                   long fencedWrites) {

  public JsonObject toJson() {
    return new JsonObject().put("appends", appends).put("commits", commits).put("lastBatchSize", lastBatchSize)
      .put("largestBatchSize", largestBatchSize).put("queueDepth", queueDepth).put("failedWrites", failedWrites)
      .put("rejected", rejected).put("appendNanosTotal", appendNanosTotal)
      .put("fencedWrites", fencedWrites);
  }
}
