package io.messageorchestrator.orchestrator;

import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.JournalStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * J8: the journal's counters as meters, read from {@link Journal#stats()} when scraped (nothing on the hot path):
 * append latency (count and total: Prometheus' {@code _sum / _count} is the mean), commits and batch sizes (how well
 * commits are grouped), writes waiting, failed writes and, for SQLite, the file size. Tagged with the journal type.
 */
public final class JournalMetrics {
  private static final String PREFIX = OrchestratorMetrics.PREFIX + "journal.";

  private JournalMetrics() {
  }

  public static void register(MeterRegistry registry, Journal journal) {
    Tags tags = Tags.of("type", journal.type());
    FunctionTimer.builder(PREFIX + "append", journal, j -> j.stats().appends(),
        j -> j.stats().appendNanosTotal(), TimeUnit.NANOSECONDS)
      .description("Appends committed, and the time from call to commit").tags(tags).register(registry);
    FunctionCounter.builder(PREFIX + "commits", journal, j -> j.stats().commits())
      .description("Transactions committed (one sync each, shared by the writes of a batch)").tags(tags)
      .register(registry);
    FunctionCounter.builder(PREFIX + "failed.writes", journal, j -> j.stats().failedWrites())
      .description("Writes the journal refused (disk full, database down, queue full)").tags(tags)
      .register(registry);
    gauge(registry, "batch.size.last", "Writes in the last committed transaction", journal, tags,
      JournalStats::lastBatchSize);
    gauge(registry, "batch.size.max", "Most writes one transaction carried", journal, tags,
      JournalStats::largestBatchSize);
    gauge(registry, "queue.depth", "Writes waiting for the journal's writer", journal, tags,
      JournalStats::queueDepth);
    gauge(registry, "file.bytes", "Size of the SQLite file and its write-ahead log (-1: not a file)", journal, tags,
      JournalStats::fileBytes);
  }

  private static void gauge(MeterRegistry registry, String name, String description, Journal journal, Tags tags,
                            ToDoubleFunction<JournalStats> value) {
    Gauge.builder(PREFIX + name, journal, j -> value.applyAsDouble(j.stats())).description(description).tags(tags)
      .register(registry);
  }
}
