package io.messageorchestrator.bench;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.outbound.OutboundEvents;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Accounts for every submitted message (R9: exactly one outcome each) and checks per-contact order of the replies.
 * Outcomes come from {@code messageProcessed} ({@code processed/failed/timed_out}), {@code messageDropped} and
 * {@code messageDiscarded} events, and from {@code processMessage} answers ({@code rejected}, {@code duplicate}).
 * Message numbers are dense from 0, so "lost" is simply a message number with no outcome.
 *
 * <p>Event handlers run on one event-loop context of their own; answers on the driver's context; counters that both
 * touch are atomic. Latencies are in microseconds.
 */
final class Tracker {
  private final AtomicIntegerArray outcomesPerMessage;
  private final long[] submitNanos;
  /** Per contact: sequence number of the last {@code messageProcessed} + 1; touched by the events context only. */
  private final int[] lastProcessedSeq;

  final AtomicLong submitted = new AtomicLong();
  final AtomicLong processed = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong timedOut = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong dropped = new AtomicLong();
  final AtomicLong duplicate = new AtomicLong();
  final AtomicLong discarded = new AtomicLong();
  final AtomicLong outcomes = new AtomicLong();
  final AtomicLong answers = new AtomicLong();
  final AtomicLong answerErrors = new AtomicLong();
  final AtomicLong queuedAnswers = new AtomicLong();
  final AtomicLong outOfOrderEvents = new AtomicLong();
  final AtomicLong badReplies = new AtomicLong();
  final AtomicLong evicted = new AtomicLong();
  /** Reply delivery by the suite's outbound verticle: replyDelivered / replyFailed / replySkipped events. */
  final AtomicLong repliesDelivered = new AtomicLong();
  final AtomicLong repliesFailed = new AtomicLong();
  final AtomicLong repliesSkipped = new AtomicLong();
  private final AtomicLong firstSubmitNanos = new AtomicLong();
  private volatile long lastOutcomeNanos;
  private volatile long lastAnswerNanos;
  private volatile long deployStartNanos;
  private volatile long recoveredAtNanos;
  /** The suite's {@code journalRecovered} event. */
  final CompletableFuture<JsonObject> recovered = new CompletableFuture<>();

  /** Submit → {@code messageProcessed} event (events context only). */
  final Histogram eventLatency = new Histogram(3);
  /** Submit → {@code processMessage} answer (driver context only). */
  final Histogram answerLatency = new Histogram(3);

  private volatile long expectedOutcomes = Long.MAX_VALUE;
  private volatile long expectedAnswers = Long.MAX_VALUE;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final ConcurrentLinkedQueue<Threshold> answerWaiters = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Threshold> evictionWaiters = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Threshold> replyWaiters = new ConcurrentLinkedQueue<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  private record Threshold(long target, CompletableFuture<Void> reached) {
  }

  /**
   * @param messages      highest message number + 1
   * @param contacts      highest contact index + 1
   * @param submitLatency whether to keep submit times (8 bytes per message) for event latencies
   */
  Tracker(int messages, int contacts, boolean submitLatency) {
    this.outcomesPerMessage = new AtomicIntegerArray(messages);
    this.submitNanos = submitLatency ? new long[messages] : null;
    this.lastProcessedSeq = new int[contacts];
  }

  /** Subscribes to the outcome events on a context of its own. */
  Future<Void> attach(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    Promise<Void> attached = Promise.promise();
    context.runOnContext(v -> {
      EventBus bus = vertx.eventBus();
      consumers.add(bus.consumer(Addresses.event(Events.MESSAGE_PROCESSED), m -> onProcessed(m.body())));
      consumers.add(bus.consumer(Addresses.event(Events.MESSAGE_DROPPED), m -> onUnprocessed(m.body(), dropped)));
      consumers.add(bus.consumer(Addresses.event(Events.MESSAGE_DISCARDED), m -> onUnprocessed(m.body(), discarded)));
      consumers.add(bus.consumer(Addresses.event(Events.CONTACTS_EVICTED), m -> onEvicted(m.body())));
      consumers.add(bus.consumer(Addresses.event(Events.JOURNAL_RECOVERED), m -> onRecovered(m.body())));
      consumers.add(bus.consumer(Addresses.event(OutboundEvents.REPLY_DELIVERED), m -> onReply(repliesDelivered)));
      consumers.add(bus.consumer(Addresses.event(OutboundEvents.REPLY_FAILED), m -> onReply(repliesFailed)));
      consumers.add(bus.consumer(Addresses.event(OutboundEvents.REPLY_SKIPPED), m -> onReply(repliesSkipped)));
      Future.all(consumers.stream().map(MessageConsumer::completion).toList()).<Void>mapEmpty().onComplete(attached);
    });
    return attached.future();
  }

  // ------------------------------------------------------------------ submit side (driver context)

  void submittedNow(int msgNo, long nanos) {
    submitted.incrementAndGet();
    if (submitNanos != null) {
      submitNanos[msgNo] = nanos;
    }
    firstSubmitNanos.compareAndSet(0, nanos);
  }

  /** The {@code processMessage} answer of message {@code msgNo}, submitted at {@code startNanos}. */
  void answered(int msgNo, long startNanos, AsyncResult<ProcessResult> answer) {
    long now = System.nanoTime();
    lastAnswerNanos = now;
    answerLatency.recordValue(Math.max(0, (now - startNanos) / 1_000));
    if (answer.failed()) {
      answerErrors.incrementAndGet();
    } else {
      ProcessResult result = answer.result();
      switch (result.status()) {
        case REJECTED -> {
          if (!"dropped".equals(result.reason())) { // a dropped message's outcome is its messageDropped event
            rejected.incrementAndGet();
            outcome(msgNo);
          }
        }
        case DUPLICATE -> {
          duplicate.incrementAndGet();
          outcome(msgNo);
        }
        case QUEUED -> queuedAnswers.incrementAndGet();
        default -> {
          // processed / failed / timed_out: the outcome is counted from its messageProcessed event
        }
      }
    }
    long count = answers.incrementAndGet();
    for (Threshold waiter : answerWaiters) {
      if (count >= waiter.target() && answerWaiters.remove(waiter)) {
        waiter.reached().complete(null);
      }
    }
    checkDone();
  }

  /** A request refused outside {@code processMessage} (HTTP 429/503 answers of the load generator). */
  void rejectedOutside(int msgNo) {
    rejected.incrementAndGet();
    outcome(msgNo);
  }

  // ------------------------------------------------------------------ events (events context)

  private void onProcessed(JsonObject event) {
    long now = System.nanoTime();
    String text = event.getJsonObject("message").getString("text");
    int[] fields = MsgText.fields(text);
    int msgNo = fields[0];
    int contact = fields[1];
    int seq = fields[2];
    String outcome = event.getString("outcome");
    switch (outcome) {
      case "processed" -> {
        processed.incrementAndGet();
        if (!text.equals(event.getString("response"))) {
          badReplies.incrementAndGet();
        }
      }
      case "timed_out" -> timedOut.incrementAndGet();
      default -> failed.incrementAndGet();
    }
    if (lastProcessedSeq[contact] > seq) {
      outOfOrderEvents.incrementAndGet();
    }
    lastProcessedSeq[contact] = seq + 1;
    if (submitNanos != null && submitNanos[msgNo] != 0) {
      eventLatency.recordValue(Math.max(0, (now - submitNanos[msgNo]) / 1_000));
    }
    lastOutcomeNanos = now;
    outcome(msgNo);
  }

  private void onUnprocessed(JsonObject event, AtomicLong counter) {
    counter.incrementAndGet();
    lastOutcomeNanos = System.nanoTime();
    outcome(MsgText.msgNo(event.getJsonObject("message").getString("text")));
  }

  private void onRecovered(JsonObject event) {
    recoveredAtNanos = System.nanoTime();
    recovered.complete(event);
  }

  private void onEvicted(JsonObject event) {
    long total = evicted.addAndGet(event.getInteger("count"));
    for (Threshold waiter : evictionWaiters) {
      if (total >= waiter.target() && evictionWaiters.remove(waiter)) {
        waiter.reached().complete(null);
      }
    }
  }

  private void onReply(AtomicLong counter) {
    counter.incrementAndGet();
    long total = repliesDelivered.get() + repliesFailed.get() + repliesSkipped.get();
    for (Threshold waiter : replyWaiters) {
      if (total >= waiter.target() && replyWaiters.remove(waiter)) {
        waiter.reached().complete(null);
      }
    }
  }

  private void outcome(int msgNo) {
    outcomesPerMessage.incrementAndGet(msgNo);
    outcomes.incrementAndGet();
    checkDone();
  }

  // ------------------------------------------------------------------ waiting

  /** Done once {@code outcomes} outcomes and {@code answers} {@code processMessage} answers have arrived. */
  void expect(long outcomes, long answers) {
    expectedOutcomes = outcomes;
    expectedAnswers = answers;
    checkDone();
  }

  private void checkDone() {
    if (outcomes.get() >= expectedOutcomes && answers.get() >= expectedAnswers) {
      done.complete(null);
    }
  }

  /**
   * Waits until every expected outcome and answer arrived; {@code false} on timeout (the line will show the loss).
   * Then waits, up to 5 s more, until the outbound verticle has ended every reply ({@code replyDelivered},
   * {@code replyFailed} or {@code replySkipped} for each {@code messageProcessed}), so the suite is idle afterwards.
   */
  boolean awaitDone(long timeoutMs) throws InterruptedException {
    boolean complete = await(done, timeoutMs);
    long replies = processed.get() + failed.get() + timedOut.get();
    Threshold waiter = new Threshold(replies, new CompletableFuture<>());
    replyWaiters.add(waiter);
    if (repliesDelivered.get() + repliesFailed.get() + repliesSkipped.get() < replies
      || !replyWaiters.remove(waiter)) {
      await(waiter.reached(), 5_000);
    }
    return complete;
  }

  boolean awaitAnswers(long count, long timeoutMs) throws InterruptedException {
    Threshold waiter = new Threshold(count, new CompletableFuture<>());
    answerWaiters.add(waiter);
    if (answers.get() >= count && answerWaiters.remove(waiter)) {
      return true;
    }
    return await(waiter.reached(), timeoutMs);
  }

  boolean awaitEvicted(long count, long timeoutMs) throws InterruptedException {
    Threshold waiter = new Threshold(count, new CompletableFuture<>());
    evictionWaiters.add(waiter);
    if (evicted.get() >= count && evictionWaiters.remove(waiter)) {
      return true;
    }
    return await(waiter.reached(), timeoutMs);
  }

  private static boolean await(CompletableFuture<Void> future, long timeoutMs) throws InterruptedException {
    try {
      future.get(timeoutMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  // ------------------------------------------------------------------ results

  /** Messages {@code 0 .. count-1} that have no outcome. */
  long withoutOutcome(int count) {
    long missing = 0;
    for (int i = 0; i < count; i++) {
      if (outcomesPerMessage.get(i) == 0) {
        missing++;
      }
    }
    return missing;
  }

  /** Messages {@code 0 .. count-1} with more than one outcome (an R9 breach). */
  long withSeveralOutcomes(int count) {
    long several = 0;
    for (int i = 0; i < count; i++) {
      if (outcomesPerMessage.get(i) > 1) {
        several++;
      }
    }
    return several;
  }

  /** Called just before the suite is deployed (the journal is opened by the deploy). */
  void deployStartedNow() {
    deployStartNanos = System.nanoTime();
  }

  long deployStartNanos() {
    return deployStartNanos;
  }

  /** When the {@code journalRecovered} event arrived (0: not yet). */
  long recoveredAtNanos() {
    return recoveredAtNanos;
  }

  long firstSubmitNanos() {
    return firstSubmitNanos.get();
  }

  long lastOutcomeNanos() {
    return lastOutcomeNanos;
  }

  /** When the last outcome or answer arrived, whichever is later. */
  long lastActivityNanos() {
    return Math.max(lastOutcomeNanos, lastAnswerNanos);
  }
}
