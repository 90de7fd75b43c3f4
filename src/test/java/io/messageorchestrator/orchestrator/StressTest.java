package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentProcessor;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.agent.ProcessingContext;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Randomised load: 2,000 contacts, 50,000 messages, random agent latencies, failures, hangs and agents that ignore
 * interrupts. Checks R1 (one lease per contact), R2 (per-contact order), R9 (exactly one outcome per accepted
 * message) and that no late result is ever delivered.
 */
@ExtendWith(VertxExtension.class)
class StressTest {
  private static final int CONTACTS = 2_000;
  private static final int MESSAGES = 50_000;
  private static final long PROCESSING_TIMEOUT = 1_000;

  /** One agent call as the agent saw it. */
  private record Attempt(String processId, int sequence, long startNanos, long endNanos, boolean interrupted) {
  }

  /** Script chosen by the test per message: latency in ms, or a failure mode. */
  private static final class StressAgent implements AgentProcessor {
    final Map<String, List<Attempt>> attempts = new ConcurrentHashMap<>();
    final AtomicInteger lateAnswers = new AtomicInteger();
    /** Calls started and calls ended; guarded by {@code this}. */
    private int started;
    private int ended;

    /**
     * Waits until every call that started has ended. Once every message has its outcome no new call can start (a
     * lease's task reaches the worker before the cancel its end publishes), so this proves the agent is done.
     */
    synchronized void awaitAllCallsEnded() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ended < started) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError((started - ended) + " agent calls still running after 60 s");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    private synchronized void callStarted() {
      started++;
    }

    private synchronized void callEnded() {
      ended++;
      notifyAll();
    }

    @Override
    public AgentReply process(io.messageorchestrator.core.InboundMessage message, ProcessingContext context)
      throws Exception {
      callStarted();
      long start = System.nanoTime();
      boolean interrupted = false;
      String[] script = message.text().split("\\|");
      int sequence = Integer.parseInt(script[0]);
      try {
        switch (script[1]) {
          case "fail" -> throw new IllegalStateException("random failure");
          case "empty" -> {
            return AgentReply.of(" ");
          }
          case "hang" -> Thread.sleep(Long.MAX_VALUE);
          case "stubborn" -> {
            // Ignores interrupts and answers well after the deadline: a result that must be fenced off.
            long wakeUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROCESSING_TIMEOUT * 3 / 2);
            boolean wasInterrupted = false;
            while (System.nanoTime() < wakeUp) {
              LockSupport.parkNanos(wakeUp - System.nanoTime());
              wasInterrupted |= Thread.interrupted(); // clear it, or parkNanos returns at once (a spin)
            }
            if (wasInterrupted) {
              Thread.currentThread().interrupt();
            }
            lateAnswers.incrementAndGet();
            return AgentReply.of("LATE " + context.processId());
          }
          default -> Thread.sleep(Long.parseLong(script[1]));
        }
        return AgentReply.of("ok " + sequence);
      } catch (InterruptedException e) {
        interrupted = true;
        throw e;
      } finally {
        attempts.computeIfAbsent(context.contactId(), id -> new CopyOnWriteArrayList<>())
          .add(new Attempt(context.processId(), sequence, start, System.nanoTime(), interrupted));
        callEnded();
      }
    }
  }

  /** How many times an event was seen; the test thread waits for a count. */
  private static final class EventCount {
    private long count;

    synchronized void increment() {
      count++;
      notifyAll();
    }

    synchronized void awaitAtLeast(long expected) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (count < expected) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("saw " + count + " events, expected " + expected);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }
  }

  @Test
  @DisplayName("50,000 random messages over 2,000 contacts: one at a time per contact, in order, one outcome each, nothing late delivered")
  void randomisedLoad(Vertx vertx) throws InterruptedException {
    long seed = System.nanoTime();
    System.out.println("StressTest seed " + seed);
    Random random = new Random(seed);
    StressAgent agent = new StressAgent();
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject()
      .put("processingTimeout", PROCESSING_TIMEOUT)
      .put("lockTimeout", 0)
      .put("maxConcurrentContacts", 300)
      .put("maxQueueSize", 1_000)
      .put("shards", 4), agent);

    Map<String, Integer> terminalEvents = new ConcurrentHashMap<>();
    Set<String> timedOut = ConcurrentHashMap.newKeySet();
    Queue<String> delivered = new ConcurrentLinkedQueue<>();
    AtomicInteger terminalCount = new AtomicInteger();
    Promise<Void> allDone = Promise.promise();
    EventCount lateDiscarded = new EventCount();
    Await.result(suite.client().on(Events.LATE_RESULT_DISCARDED, body -> lateDiscarded.increment()).completion());
    for (String event : List.of(Events.MESSAGE_PROCESSED, Events.MESSAGE_DROPPED, Events.MESSAGE_DISCARDED)) {
      Await.result(suite.client().on(event, body -> {
        terminalEvents.merge(body.getString("processId"), 1, Integer::sum);
        if ("timed_out".equals(body.getString("outcome"))) {
          timedOut.add(body.getString("processId"));
        }
        if ("processed".equals(body.getString("outcome"))) {
          delivered.add(body.getString("response"));
        }
        if (terminalCount.incrementAndGet() == MESSAGES) {
          allDone.complete();
        }
      }).completion());
    }

    int[] nextSequence = new int[CONTACTS];
    List<String[]> plan = new ArrayList<>(MESSAGES);
    for (int i = 0; i < MESSAGES; i++) {
      int contact = random.nextInt(CONTACTS);
      int roll = random.nextInt(1_000);
      String behaviour = roll < 10 ? "fail" : roll < 13 ? "empty" : roll < 16 ? "hang" : roll < 18 ? "stubborn"
        : Integer.toString(random.nextInt(3));
      plan.add(new String[] {"contact-" + contact, (nextSequence[contact]++) + "|" + behaviour});
    }
    Promise<List<ProcessResult>> submitted = Promise.promise();
    // Submit from one event-loop context, so acceptance order per contact is the plan's order.
    vertx.runOnContext(v -> {
      List<Future<ProcessResult>> results = new ArrayList<>(MESSAGES);
      for (String[] message : plan) {
        results.add(suite.client().processMessage(message[0], InboundMessage.text(message[1])));
      }
      Future.all(results).map(all -> all.<ProcessResult>list()).onComplete(submitted);
    });

    long begin = System.nanoTime();
    List<ProcessResult> answers = Await.result(submitted.future(), 120);
    long answered = System.nanoTime();
    Await.result(allDone.future(), 120);
    System.out.printf("StressTest: all answered after %d ms, all ended after %d ms%n",
      (answered - begin) / 1_000_000, (System.nanoTime() - begin) / 1_000_000);

    // Every message was accepted and ended exactly once (R9).
    assertThat(answers).noneMatch(answer -> answer.status() == ProcessResult.Status.REJECTED);
    assertThat(terminalEvents).hasSize(MESSAGES);
    assertThat(terminalEvents.values()).containsOnly(1);
    assertThat(answers).extracting(ProcessResult::processId).doesNotHaveDuplicates()
      .allMatch(terminalEvents::containsKey);

    // Per contact: attempts start in acceptance order (R2), and a lease that was not abandoned ends before the
    // next one starts (R1).
    int checkedContacts = 0;
    for (Map.Entry<String, List<Attempt>> entry : agent.attempts.entrySet()) {
      List<Attempt> attempts = entry.getValue().stream().sorted(Comparator.comparingLong(Attempt::startNanos)).toList();
      assertThat(attempts).extracting(Attempt::sequence)
        .as("start order of %s", entry.getKey()).isSorted().doesNotHaveDuplicates();
      for (int i = 1; i < attempts.size(); i++) {
        Attempt previous = attempts.get(i - 1);
        if (!timedOut.contains(previous.processId())) {
          assertThat(previous.endNanos()).as("overlap on %s", entry.getKey())
            .isLessThanOrEqualTo(attempts.get(i).startNanos());
        }
      }
      checkedContacts++;
    }
    assertThat(checkedContacts).isGreaterThan(CONTACTS * 9 / 10);
    // Every message reached the agent once, except timed-out ones cancelled before their thread started.
    List<String> attempted = agent.attempts.values().stream().flatMap(List::stream).map(Attempt::processId).toList();
    assertThat(attempted).doesNotHaveDuplicates();
    Set<String> attemptedSet = Set.copyOf(attempted);
    assertThat(terminalEvents.keySet()).allMatch(processId -> attemptedSet.contains(processId)
      || timedOut.contains(processId));

    // No late result was ever delivered, and every one of them was counted: an answer (reply or error, not an
    // interruption) to an attempt whose lease had timed out. Stubborn calls answer after their message's outcome:
    // wait until every call has ended and each late answer has been announced before reading the counters.
    agent.awaitAllCallsEnded();
    long lateAnswers = agent.attempts.values().stream().flatMap(List::stream)
      .filter(attempt -> timedOut.contains(attempt.processId()) && !attempt.interrupted()).count();
    assertThat(lateAnswers).isGreaterThanOrEqualTo(agent.lateAnswers.get()).isPositive();
    lateDiscarded.awaitAtLeast(lateAnswers);
    assertThat(delivered).noneMatch(response -> response.startsWith("LATE"));
    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getLong("lateResultsDiscarded")).isEqualTo(lateAnswers);
    assertThat(stats.getLong("totalProcessed") + stats.getLong("totalErrors")).isEqualTo(MESSAGES);
    assertThat(stats.getLong("totalTimeouts")).isEqualTo(timedOut.size()).isPositive();
    assertThat(stats.getLong("currentlyProcessing")).isZero();
    assertThat(stats.getLong("totalQueued")).isZero();
  }
}
