package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.vertx.core.json.JsonObject;

/**
 * fanout: 100,000 contacts × 1 message through {@code OrchestratorClient}, a closed loop keeping 2,000 requests in
 * flight (each answer submits the next), the agent answering at once. Latency: submit → {@code processMessage}
 * answer (the processed result). Wall time: first submit → last answer or event.
 *
 * <p>{@code maxConcurrentContacts} is raised to the in-flight count so the run measures the message path, not the
 * permit line; the {@code fanout50} variant keeps the default of 50 to show the cost of that line.
 */
final class FanoutScenario {
  static final int CONTACTS = 100_000;
  static final int IN_FLIGHT = 2_000;
  static final int TEXT_LENGTH = 64;
  static final double TARGET_PER_SEC = 250_000;
  static final double TARGET_P99_MS = 20;

  private FanoutScenario() {
  }

  static JsonObject config(int maxConcurrentContacts) {
    return new JsonObject().put("maxConcurrentContacts", maxConcurrentContacts).put("shutdownGracePeriod", 1_000);
  }

  static Result run(String name, int maxConcurrentContacts) throws InterruptedException {
    JsonObject config = config(maxConcurrentContacts);
    BenchAgent agent = BenchAgent.echo(CONTACTS);
    Tracker tracker = new Tracker(CONTACTS, CONTACTS, true);
    long cpuAtStart;
    long cpuAtEnd;
    try (Harness harness = Harness.start(config, agent, tracker, OrchestratorSuite.Options.defaults().withoutHttp())) {
      tracker.expect(CONTACTS, CONTACTS);
      cpuAtStart = Result.processCpuNanos();
      harness.closedLoopOnePerContact(CONTACTS, IN_FLIGHT, TEXT_LENGTH, true);
      tracker.awaitDone(120_000);
      cpuAtEnd = Result.processCpuNanos();
    }
    double wallMs = (tracker.lastActivityNanos() - tracker.firstSubmitNanos()) / 1e6;
    Result result = Result.of(name, CONTACTS, tracker, agent, wallMs)
      .latency(tracker.answerLatency, "submit -> processMessage answer")
      .target(">= 250,000 msgs/s, p99 <= 20 ms")
      .detail("cpuMicrosPerMessage", Result.cpuMicrosPer(cpuAtStart, cpuAtEnd, CONTACTS));
    return result
      .check(result.throughputPerSec() >= TARGET_PER_SEC,
        "throughput " + Math.round(result.throughputPerSec()) + "/s < 250,000/s")
      .check(result.p99Ms() <= TARGET_P99_MS, "p99 " + result.p99Ms() + " ms > 20 ms")
      .check(tracker.processed.get() == CONTACTS, "only " + tracker.processed.get() + " processed")
      .detail("eventLatencyP99Ms", tracker.eventLatency.getValueAtPercentile(99) / 1000.0)
      .detail("inFlight", IN_FLIGHT)
      .detail("config", config);
  }
}
