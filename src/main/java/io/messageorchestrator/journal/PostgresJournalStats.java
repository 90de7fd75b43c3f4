package io.messageorchestrator.journal;

/**
 * Counters of the PostgreSQL journal's writer, read at one moment (for metrics and tests).
 *
 * @param appends        appends committed (including duplicates answered)
 * @param transactions   transactions committed: far fewer than operations when commits are grouped
 * @param lastBatchSize  operations in the last batch
 * @param largestBatch   the most operations one batch held
 * @param queueDepth     operations waiting for the writer now
 * @param failedBatches  batches (or isolated operations) that failed: database down, deadline passed
 * @param rejected       operations refused because the queue was full
 */
public record PostgresJournalStats(long appends, long transactions, int lastBatchSize, int largestBatch,
                                   int queueDepth, long failedBatches, long rejected) {
}
