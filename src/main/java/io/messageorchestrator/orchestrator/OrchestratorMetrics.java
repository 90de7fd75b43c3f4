package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The orchestrator's counters, timers and gauges, registered in a Micrometer registry (Prometheus in production,
 * a private Prometheus registry per suite otherwise). They are the single source of the totals in {@code getStats()}.
 * Shared by the shards of one node: meters are thread-safe, and no contact state lives here.
 */
public final class OrchestratorMetrics {
  public static final String PREFIX = "orchestrator.";

  private final MeterRegistry registry;
  private final long startedAt = System.currentTimeMillis();
  private final long startedAtNanos = System.nanoTime();
  private final Counter received;
  private final Counter duplicates;
  private final Counter deadlocks;
  private final Counter lateResults;
  private final Counter evicted;
  private final Counter statusUpdates;
  private final Counter attemptsFailed;
  private final Counter deadLettered;
  private final Counter historyLoadFailures;
  private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
  private final Map<RejectReason, Counter> rejections = new EnumMap<>(RejectReason.class);
  private final Timer processingTime;
  private final Timer queueWait;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong activeLeases = new AtomicLong();
  private final AtomicLong pausedContacts = new AtomicLong();
  private final AtomicLong heldMessages = new AtomicLong();
  private final Map<String, Counter> pauses = new ConcurrentHashMap<>();

  public OrchestratorMetrics(MeterRegistry registry) {
    this.registry = registry;
    received = Counter.builder(PREFIX + "messages.received").description("Messages offered to the orchestrator")
      .register(registry);
    duplicates = Counter.builder(PREFIX + "messages.duplicates").description("Duplicate deliveries ignored")
      .register(registry);
    deadlocks = Counter.builder(PREFIX + "deadlocks.resolved").description("Stale leases and stalled lanes repaired")
      .register(registry);
    lateResults = Counter.builder(PREFIX + "late.results.discarded")
      .description("Agent results that arrived after their lease ended").register(registry);
    evicted = Counter.builder(PREFIX + "contacts.evicted").description("Idle contacts forgotten").register(registry);
    statusUpdates = Counter.builder(PREFIX + "status.updates.received")
      .description("Provider delivery statuses received by the webhooks (sent, delivered, read, failed...)")
      .register(registry);
    attemptsFailed = Counter.builder(PREFIX + "attempts.failed")
      .description("Agent attempts that failed or timed out and were retried").register(registry);
    historyLoadFailures = Counter.builder(PREFIX + "history.load.failures")
      .description("Agent calls that went without their conversation's history: the journal did not answer in time")
      .register(registry);
    deadLettered = Counter.builder(PREFIX + "messages.dead.lettered")
      .description("Messages whose last attempt failed (see /admin/dead-letters)").register(registry);
    for (Outcome outcome : Outcome.values()) {
      outcomes.put(outcome, Counter.builder(PREFIX + "messages.completed").tag("outcome", outcome.label())
        .description("Accepted messages by their one outcome").register(registry));
    }
    for (RejectReason reason : RejectReason.values()) {
      rejections.put(reason, Counter.builder(PREFIX + "messages.rejected").tag("reason", reason.label())
        .description("Messages refused before acceptance").register(registry));
    }
    processingTime = Timer.builder(PREFIX + "processing.time").description("Time a message held its contact's lease")
      .publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram()
      .distributionStatisticExpiry(Duration.ofMinutes(5)).register(registry);
    queueWait = Timer.builder(PREFIX + "queue.wait").description("Time from acceptance to start of processing")
      .publishPercentileHistogram().register(registry);
    Gauge.builder(PREFIX + "queued.messages", queued, AtomicLong::get).description("Messages waiting")
      .register(registry);
    Gauge.builder(PREFIX + "active.leases", activeLeases, AtomicLong::get).description("Contacts being processed")
      .register(registry);
    Gauge.builder(PREFIX + "contacts.paused", pausedContacts, AtomicLong::get)
      .description("Conversations paused for a human (handoff)").register(registry);
    Gauge.builder(PREFIX + "held.messages", heldMessages, AtomicLong::get)
      .description("Messages held while their conversation is paused").register(registry);
  }

  void pausedDelta(int delta) {
    pausedContacts.addAndGet(delta);
  }

  void heldDelta(int delta) {
    heldMessages.addAndGet(delta);
  }

  /** V4: a conversation's history could not be read from the journal for an agent call (it went without). */
  void historyLoadFailed() {
    historyLoadFailures.increment();
  }

  /** A pause started; {@code by}: operator, agent, business or limit (a bounded set of tag values). */
  void paused(String by) {
    pauses.computeIfAbsent(by, who -> Counter.builder(PREFIX + "contacts.pauses").tag("by", who)
      .description("Pauses for a human, by who asked").register(registry)).increment();
  }

  public long pausedContacts() {
    return pausedContacts.get();
  }

  public long heldMessages() {
    return heldMessages.get();
  }

  public MeterRegistry registry() {
    return registry;
  }

  void received() {
    received.increment();
  }

  void duplicate() {
    duplicates.increment();
  }

  void deadlocksResolved(int count) {
    deadlocks.increment(count);
  }

  void lateResult() {
    lateResults.increment();
  }

  void evicted(int count) {
    evicted.increment(count);
  }

  void statusReceived() {
    statusUpdates.increment();
  }

  void outcome(Outcome outcome) {
    outcomes.get(outcome).increment();
  }

  void attemptFailed() {
    attemptsFailed.increment();
  }

  void deadLettered() {
    deadLettered.increment();
  }

  public long attemptsFailed() {
    return (long) attemptsFailed.count();
  }

  public long deadLetteredCount() {
    return (long) deadLettered.count();
  }

  void rejected(RejectReason reason) {
    rejections.get(reason).increment();
  }

  void processingTime(long millis) {
    processingTime.record(millis, TimeUnit.MILLISECONDS);
  }

  void queueWait(long millis) {
    queueWait.record(millis, TimeUnit.MILLISECONDS);
  }

  void queuedDelta(int delta) {
    queued.addAndGet(delta);
  }

  void leasesDelta(int delta) {
    activeLeases.addAndGet(delta);
  }

  public long count(Outcome outcome) {
    return (long) outcomes.get(outcome).count();
  }

  public long rejectedCount(RejectReason reason) {
    return (long) rejections.get(reason).count();
  }

  public long receivedCount() {
    return (long) received.count();
  }

  public long duplicateCount() {
    return (long) duplicates.count();
  }

  public long deadlockCount() {
    return (long) deadlocks.count();
  }

  public long lateResultCount() {
    return (long) lateResults.count();
  }

  public long evictedCount() {
    return (long) evicted.count();
  }

  public long statusUpdateCount() {
    return (long) statusUpdates.count();
  }

  public long queued() {
    return queued.get();
  }

  public long activeLeases() {
    return activeLeases.get();
  }

  public long startedAt() {
    return startedAt;
  }

  /** Milliseconds since start, on the monotonic clock (a wall-clock jump does not change it). */
  public long uptimeMillis() {
    return (System.nanoTime() - startedAtNanos) / 1_000_000;
  }

  /** Mean lease duration in ms over every attempt since start. */
  public double averageProcessingTime() {
    return processingTime.mean(TimeUnit.MILLISECONDS);
  }

  /** p50/p95/p99 of lease durations in ms over the last few minutes. */
  public Map<String, Double> processingPercentiles() {
    HistogramSnapshot snapshot = processingTime.takeSnapshot();
    Map<String, Double> percentiles = new java.util.LinkedHashMap<>();
    for (ValueAtPercentile value : snapshot.percentileValues()) {
      percentiles.put("p" + Math.round(value.percentile() * 100), value.value(TimeUnit.MILLISECONDS));
    }
    return percentiles;
  }
}
