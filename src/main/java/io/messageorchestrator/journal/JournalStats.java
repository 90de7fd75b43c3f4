package io.messageorchestrator.journal;

import io.vertx.core.json.JsonObject;

/**
 * A snapshot of a journal's counters, cheap to take from any thread (metrics gauges read it on scrape).
 *
 * @param appends              appends committed (duplicates included: they are answered from a commit too)
 * @param commits              transactions committed: each is one sync, shared by {@code lastBatchSize} writes
 * @param lastBatchSize        writes in the last committed transaction
 * @param largestBatchSize     the most writes one transaction has carried
 * @param queueDepth           writes waiting for the writer now
 * @param failedWrites         writes answered with {@link JournalUnavailableException}
 * @param appendNanosTotal     sum over committed appends of the time from call to commit (divide by {@code appends}
 *                             for the mean append latency)
 * @param fileBytes            the database file and its write-ahead log, as last measured by the writer (at most
 *                             about a second old)
 */
public record JournalStats(long appends, long commits, int lastBatchSize, int largestBatchSize, int queueDepth,
                           long failedWrites, long appendNanosTotal, long fileBytes) {

  public JsonObject toJson() {
    return new JsonObject().put("appends", appends).put("commits", commits).put("lastBatchSize", lastBatchSize)
      .put("largestBatchSize", largestBatchSize).put("queueDepth", queueDepth).put("failedWrites", failedWrites)
      .put("appendNanosTotal", appendNanosTotal).put("fileBytes", fileBytes);
  }
}
