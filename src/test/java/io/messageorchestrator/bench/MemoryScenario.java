package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * memory, two parts, each on a fresh suite; heap is measured with {@link HeapMeter} (settled used heap after
 * repeated {@code System.gc()}), always as a difference to a baseline taken on the same suite just before.
 * <ol>
 *   <li><b>Remembered contacts</b>: 1,000,000 distinct contacts, one message each (closed loop, 2,000 in flight,
 *   echo agent, no message ids so the dedup cache stays empty), then idle. Heap per remembered contact =
 *   (heap idle after the load − baseline) / {@code rememberedContacts} (from stats). The suite runs with an injected
 *   clock that stands still, so nothing is evicted while the million are submitted; the clock is then moved past
 *   {@code idleContactTtl} (1 s) and the shards' own sweep timers (real time, every 500 ms) evict; once
 *   {@code contactsEvicted} events have counted every contact, the heap is measured again against the baseline.</li>
 *   <li><b>Queued messages</b>: 1,000 contacts whose first message hangs in the agent (so 1,000 leases are held),
 *   then 100 more messages each (100,000 queued; {@code maxQueueSize} 100, {@code lockTimeout} 0 so every caller is
 *   answered {@code queued} at once and the steady queued state is measured). Heap per queued message =
 *   (heap with the queues − heap with only the 1,000 hung leases) / {@code totalQueued}; "beyond its text" subtracts
 *   the 32-char text String (24 + 48 bytes). The agent is then released and all 101,000 must be processed.</li>
 * </ol>
 */
final class MemoryScenario {
  static final int CONTACTS = 1_000_000;
  static final int IN_FLIGHT = 2_000;
  static final int CONTACT_TEXT_LENGTH = 24;
  static final long IDLE_TTL_MS = 1_000;
  static final int SLOW_CONTACTS = 1_000;
  static final int QUEUED_PER_CONTACT = 100;
  static final int QUEUED_TEXT_LENGTH = 32;
  static final double TARGET_PER_CONTACT = 300;
  static final double TARGET_PER_QUEUED = 1_024;

  private MemoryScenario() {
  }

  static JsonObject contactsConfig() {
    return new JsonObject().put("maxConcurrentContacts", IN_FLIGHT).put("idleContactTtl", IDLE_TTL_MS)
      .put("shutdownGracePeriod", 1_000);
  }

  static JsonObject queuedConfig() {
    return new JsonObject().put("maxConcurrentContacts", SLOW_CONTACTS).put("maxQueueSize", QUEUED_PER_CONTACT)
      .put("lockTimeout", 0).put("maxTotalQueued", 10_000_000).put("processingTimeout", 600_000)
      .put("shutdownGracePeriod", 1_000);
  }

  static Result run() throws InterruptedException {
    JsonObject heap = new JsonObject();
    Result result = new Result("memory");
    contacts(result, heap);
    queued(result, heap);
    result.heap(heap).target("<= 300 bytes per remembered idle contact, heap back to baseline after idleContactTtl, "
      + "<= 1 KB per queued message beyond its text");
    long perContact = heap.getLong("perRememberedContact");
    long residual = heap.getLong("residualAfterEviction");
    long loadedDelta = heap.getLong("afterContacts") - heap.getLong("baseline");
    long perQueued = heap.getLong("perQueuedMessageBeyondText");
    return result
      .check(perContact <= TARGET_PER_CONTACT, perContact + " bytes per remembered contact > 300")
      .check(residual <= Math.max(2L << 20, loadedDelta / 50), "heap " + residual
        + " bytes above baseline after eviction (> max(2 MB, 2% of the loaded delta))")
      .check(perQueued <= TARGET_PER_QUEUED, perQueued + " bytes per queued message beyond its text > 1024");
  }

  /** Part 1: remembered contacts and their eviction. */
  private static void contacts(Result result, JsonObject heap) throws InterruptedException {
    AtomicLong clock = new AtomicLong(System.currentTimeMillis());
    BenchAgent agent = BenchAgent.echo(CONTACTS);
    Tracker tracker = new Tracker(CONTACTS, CONTACTS, false);
    try (Harness harness = Harness.start(contactsConfig(), agent, tracker,
      OrchestratorSuite.Options.defaults().withoutHttp().withClock(clock::get))) {
      long baseline = HeapMeter.settledUsedHeap();
      HeapMeter.histogram("baseline");
      tracker.expect(CONTACTS, CONTACTS);
      harness.closedLoopOnePerContact(CONTACTS, IN_FLIGHT, CONTACT_TEXT_LENGTH, false);
      tracker.awaitDone(180_000);
      double loadMs = (tracker.lastActivityNanos() - tracker.firstSubmitNanos()) / 1e6;
      long remembered = Harness.await(harness.stats(), 30_000).getLong("rememberedContacts");
      long loaded = HeapMeter.settledUsedHeap();
      HeapMeter.histogram("after 1,000,000 contacts");
      clock.addAndGet(IDLE_TTL_MS + 1);
      long evictStart = System.nanoTime();
      boolean allEvicted = tracker.awaitEvicted(remembered, 60_000);
      double evictMs = (System.nanoTime() - evictStart) / 1e6;
      long rememberedAfter = Harness.await(harness.stats(), 30_000).getLong("rememberedContacts");
      long afterEviction = HeapMeter.settledUsedHeap();
      HeapMeter.histogram("after eviction");
      heap.put("baseline", baseline)
        .put("afterContacts", loaded)
        .put("rememberedContacts", remembered)
        .put("perRememberedContact", remembered == 0 ? -1 : Math.round((double) (loaded - baseline) / remembered))
        .put("afterEviction", afterEviction)
        .put("rememberedAfterEviction", rememberedAfter)
        .put("residualAfterEviction", afterEviction - baseline);
      result.add(CONTACTS, tracker, agent)
        .wall(loadMs)
        .throughput(CONTACTS * 1000.0 / loadMs)
        .latency(tracker.answerLatency, "part 1: submit -> processMessage answer")
        .detail("contactsLoadMs", Math.round(loadMs))
        .detail("evictionMs", Math.round(evictMs))
        .detail("contactsConfig", contactsConfig());
      if (!allEvicted || rememberedAfter != 0) {
        result.check(false, "eviction incomplete: " + rememberedAfter + " contacts still remembered");
      }
    }
  }

  /** Part 2: messages queued behind slow (hung) contacts. */
  private static void queued(Result result, JsonObject heap) throws InterruptedException {
    int perContact = 1 + QUEUED_PER_CONTACT;
    int total = SLOW_CONTACTS * perContact;
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch hanging = new CountDownLatch(SLOW_CONTACTS);
    BenchAgent agent = BenchAgent.hangingFirst(SLOW_CONTACTS, gate, hanging);
    Tracker tracker = new Tracker(total, SLOW_CONTACTS, false);
    try (Harness harness = Harness.start(queuedConfig(), agent, tracker,
      OrchestratorSuite.Options.defaults().withoutHttp())) {
      tracker.expect(total, total);
      harness.driver.runOnContext(v -> {
        for (int contact = 0; contact < SLOW_CONTACTS; contact++) {
          int msgNo = contact * perContact;
          harness.submit(msgNo, contact, MsgText.text(msgNo, contact, 0, QUEUED_TEXT_LENGTH), false);
        }
      });
      if (!hanging.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the slow contacts did not all start");
      }
      long baseline = HeapMeter.settledUsedHeap();
      harness.driver.runOnContext(v -> {
        for (int seq = 1; seq < perContact; seq++) {
          for (int contact = 0; contact < SLOW_CONTACTS; contact++) {
            int msgNo = contact * perContact + seq;
            harness.submit(msgNo, contact, MsgText.text(msgNo, contact, seq, QUEUED_TEXT_LENGTH), false);
          }
        }
      });
      int queuedMessages = SLOW_CONTACTS * QUEUED_PER_CONTACT;
      if (!tracker.awaitAnswers(queuedMessages, 60_000)) {
        throw new IllegalStateException("queued messages were not all answered");
      }
      long totalQueued = Harness.await(harness.stats(), 30_000).getLong("totalQueued");
      long withQueues = HeapMeter.settledUsedHeap();
      HeapMeter.histogram("with 100,000 queued");
      gate.countDown();
      tracker.awaitDone(120_000);
      long textBytes = MsgText.stringBytes(QUEUED_TEXT_LENGTH);
      long perQueued = totalQueued == 0 ? -1 : Math.round((double) (withQueues - baseline) / totalQueued);
      heap.put("queuedBaseline", baseline)
        .put("afterQueued", withQueues)
        .put("queuedMessages", totalQueued)
        .put("perQueuedMessage", perQueued)
        .put("textBytesPerMessage", textBytes)
        .put("perQueuedMessageBeyondText", perQueued - textBytes);
      result.add(total, tracker, agent).detail("queuedConfig", queuedConfig());
      if (totalQueued != queuedMessages) {
        result.check(false, "expected " + queuedMessages + " queued, stats said " + totalQueued);
      }
      if (tracker.processed.get() != total) {
        result.check(false, "after release only " + tracker.processed.get() + " of " + total + " processed");
      }
    }
  }
}
