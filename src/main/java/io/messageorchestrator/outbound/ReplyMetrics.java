package io.messageorchestrator.outbound;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Counter {@code orchestrator.replies}, tag {@code result} = delivered | failed | skipped; no-op without a registry. */
final class ReplyMetrics {
  static final String REPLIES = "orchestrator.replies";

  private final Counter delivered;
  private final Counter failed;
  private final Counter skipped;

  ReplyMetrics(MeterRegistry registry) {
    delivered = counter(registry, "delivered");
    failed = counter(registry, "failed");
    skipped = counter(registry, "skipped");
  }

  void delivered() {
    increment(delivered);
  }

  void failed() {
    increment(failed);
  }

  void skipped() {
    increment(skipped);
  }

  private static Counter counter(MeterRegistry registry, String result) {
    return registry == null ? null : Counter.builder(REPLIES).tag("result", result)
      .description("Replies by how their delivery ended").register(registry);
  }

  private static void increment(Counter counter) {
    if (counter != null) {
      counter.increment();
    }
  }
}
