package io.messageorchestrator.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One scenario's JSON line. Correctness breaches (a message lost or answered twice, per-contact order broken, two
 * messages of one contact at once) are {@code violations}: they make the line {@code "ok": false} and the command
 * exit non-zero. A missed speed or memory target is only reported ({@code meetsTarget}).
 */
final class Result {
  private final String scenario;
  private long messages;
  private JsonObject outcomes = new JsonObject();
  private long lost;
  private long outOfOrder;
  private int maxConcurrentPerContact;
  private double wallMs;
  private double throughputPerSec;
  private JsonObject latencyMs = new JsonObject();
  private JsonObject heapBytes;
  private final List<String> violations = new ArrayList<>();
  private String target = "";
  private final List<String> targetMisses = new ArrayList<>();
  private final JsonObject details = new JsonObject();

  Result(String scenario) {
    this.scenario = scenario;
  }

  /** Fills the common fields from a run over message numbers {@code 0 .. messages-1}. */
  static Result of(String scenario, int messages, Tracker tracker, BenchAgent agent, double wallMs) {
    Result result = new Result(scenario);
    result.add(messages, tracker, agent);
    result.wallMs = wallMs;
    result.throughputPerSec = wallMs > 0 ? messages * 1000.0 / wallMs : 0;
    return result;
  }

  /** Adds one more run (of a scenario made of several runs) to the counts and checks. */
  Result add(int messages, Tracker tracker, BenchAgent agent) {
    this.messages += messages;
    long withoutOutcome = tracker.withoutOutcome(messages);
    long several = tracker.withSeveralOutcomes(messages);
    outcomes = new JsonObject()
      .put("processed", outcomes.getLong("processed", 0L) + tracker.processed.get())
      .put("failed", outcomes.getLong("failed", 0L) + tracker.failed.get())
      .put("timed_out", outcomes.getLong("timed_out", 0L) + tracker.timedOut.get())
      .put("rejected", outcomes.getLong("rejected", 0L) + tracker.rejected.get())
      .put("dropped", outcomes.getLong("dropped", 0L) + tracker.dropped.get())
      .put("duplicate", outcomes.getLong("duplicate", 0L) + tracker.duplicate.get())
      .put("discarded", outcomes.getLong("discarded", 0L) + tracker.discarded.get());
    lost += withoutOutcome;
    long disorder = agent.outOfOrder() + tracker.outOfOrderEvents.get();
    outOfOrder += disorder;
    maxConcurrentPerContact = Math.max(maxConcurrentPerContact, agent.maxConcurrentPerContact());
    if (withoutOutcome > 0) {
      violations.add(withoutOutcome + " message(s) lost or unanswered (no outcome)");
    }
    if (several > 0) {
      violations.add(several + " message(s) with more than one outcome");
    }
    if (agent.outOfOrder() > 0) {
      violations.add(agent.outOfOrder() + " message(s) reached the agent out of per-contact order");
    }
    if (tracker.outOfOrderEvents.get() > 0) {
      violations.add(tracker.outOfOrderEvents.get() + " messageProcessed event(s) out of per-contact order");
    }
    if (agent.maxConcurrentPerContact() > 1) {
      violations.add("up to " + agent.maxConcurrentPerContact() + " messages of one contact ran at once");
    }
    if (tracker.badReplies.get() > 0) {
      violations.add(tracker.badReplies.get() + " processed message(s) whose reply was not the agent's answer");
    }
    detailSum("answerErrors", tracker.answerErrors.get());
    detailSum("repliesDelivered", tracker.repliesDelivered.get());
    detailSum("repliesFailed", tracker.repliesFailed.get());
    detailSum("repliesSkipped", tracker.repliesSkipped.get());
    detailSum("agentCalls", agent.calls());
    return this;
  }

  private void detailSum(String key, long value) {
    details.put(key, details.getLong(key, 0L) + value);
  }

  Result latency(Histogram histogram, String measuredFrom) {
    latencyMs = new JsonObject()
      .put("p50", ms(histogram.getValueAtPercentile(50)))
      .put("p90", ms(histogram.getValueAtPercentile(90)))
      .put("p99", ms(histogram.getValueAtPercentile(99)))
      .put("p999", ms(histogram.getValueAtPercentile(99.9)))
      .put("max", ms(histogram.getMaxValue()))
      .put("of", measuredFrom);
    return this;
  }

  double p99Ms() {
    return latencyMs.getDouble("p99", Double.NaN);
  }

  /** For a scenario that counts on its own (no {@link Tracker}): messages sent, and accepted ones lost. */
  Result counts(long messageCount, long lostCount, JsonObject outcomeCounts) {
    this.messages = messageCount;
    this.lost = lostCount;
    this.outcomes = outcomeCounts;
    return this;
  }

  Result throughput(double perSec) {
    this.throughputPerSec = perSec;
    return this;
  }

  Result wall(double millis) {
    this.wallMs = millis;
    return this;
  }

  Result heap(JsonObject bytes) {
    this.heapBytes = bytes;
    return this;
  }

  Result detail(String key, Object value) {
    details.put(key, value);
    return this;
  }

  Result violation(String text) {
    violations.add(text);
    return this;
  }

  Result target(String description) {
    this.target = description;
    return this;
  }

  /** Records a target check; a miss is reported, never fatal. */
  Result check(boolean met, String missDescription) {
    if (!met) {
      targetMisses.add(missDescription);
    }
    return this;
  }

  long lost() {
    return lost;
  }

  double wallMs() {
    return wallMs;
  }

  double throughputPerSec() {
    return throughputPerSec;
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  JsonObject details() {
    return details;
  }

  JsonObject outcomes() {
    return outcomes;
  }

  boolean ok() {
    return violations.isEmpty();
  }

  JsonObject json() {
    JsonObject line = new JsonObject()
      .put("scenario", scenario)
      .put("messages", messages)
      .put("outcomes", outcomes)
      .put("lostOrUnanswered", lost)
      .put("outOfOrder", outOfOrder)
      .put("maxConcurrentPerContact", maxConcurrentPerContact)
      .put("wallMs", round1(wallMs))
      .put("throughputPerSec", Math.round(throughputPerSec))
      .put("latencyMs", latencyMs);
    if (heapBytes != null) {
      line.put("heapBytes", heapBytes);
    }
    return line
      .put("ok", ok())
      .put("violations", new JsonArray(new ArrayList<>(violations)))
      .put("target", target)
      .put("meetsTarget", targetMisses.isEmpty() && ok())
      .put("targetMisses", new JsonArray(new ArrayList<>(targetMisses)))
      .put("details", details.put("loadAvg", loadAverage()));
  }

  static Result crashed(String scenario, Throwable failure) {
    Result result = new Result(scenario);
    result.violations.add("scenario crashed: " + failure);
    return result;
  }

  /** CPU time used by this whole JVM so far (every thread: event loops, carriers, GC, JIT), in nanoseconds. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
      .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** CPU microseconds per message (to 0.1) between two {@link #processCpuNanos()} readings. */
  static double cpuMicrosPer(long cpuNanosAtStart, long cpuNanosAtEnd, long messages) {
    return Math.round((cpuNanosAtEnd - cpuNanosAtStart) / 100.0 / Math.max(1, messages)) / 10.0;
  }

  /** {@code /proc/loadavg} (1, 5, 15 min) when the line is printed: how busy the machine was. */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static double ms(long micros) {
    return Math.round(micros) / 1000.0;
  }

  private static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
