package io.messageorchestrator.bench;

import io.messageorchestrator.agent.AgentProcessor;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.agent.ProcessingContext;
import io.messageorchestrator.core.InboundMessage;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The benchmarks' agent: echoes the text (after an optional sleep, or hanging on a gate), and watches the
 * orchestrator's guarantees from the agent's side: how many calls of one contact run at once (R1) and whether a
 * contact's messages arrive in their submission order (R2, from the sequence number in the text).
 */
final class BenchAgent implements AgentProcessor {
  private final AtomicIntegerArray inFlight;
  /** Per contact: the last sequence number seen + 1 (0: none yet). */
  private final AtomicIntegerArray lastSeq;
  private final AtomicInteger maxConcurrentPerContact = new AtomicInteger();
  private final LongAdder outOfOrder = new LongAdder();
  private final LongAdder calls = new LongAdder();
  private final long sleepMillis;
  private final CountDownLatch gate;
  private final CountDownLatch hanging;

  private BenchAgent(int contacts, long sleepMillis, CountDownLatch gate, CountDownLatch hanging) {
    this.inFlight = new AtomicIntegerArray(contacts);
    this.lastSeq = new AtomicIntegerArray(contacts);
    this.sleepMillis = sleepMillis;
    this.gate = gate;
    this.hanging = hanging;
  }

  /** Answers at once. */
  static BenchAgent echo(int contacts) {
    return new BenchAgent(contacts, 0, null, null);
  }

  /** Sleeps {@code millis} per message, then answers. */
  static BenchAgent sleeping(int contacts, long millis) {
    return new BenchAgent(contacts, millis, null, null);
  }

  /**
   * Each contact's first message (sequence 0) hangs until {@code gate} opens, counting {@code hanging} down when it
   * starts to hang; the others answer at once.
   */
  static BenchAgent hangingFirst(int contacts, CountDownLatch gate, CountDownLatch hanging) {
    return new BenchAgent(contacts, 0, gate, hanging);
  }

  @Override
  public AgentReply process(InboundMessage message, ProcessingContext context) throws Exception {
    String text = message.text();
    int[] fields = MsgText.fields(text);
    int contact = fields[1];
    int seq = fields[2];
    int running = inFlight.incrementAndGet(contact);
    try {
      if (running > maxConcurrentPerContact.get()) {
        maxConcurrentPerContact.accumulateAndGet(running, Math::max);
      }
      if (lastSeq.getAndSet(contact, seq + 1) > seq) {
        outOfOrder.increment();
      }
      calls.increment();
      if (gate != null && seq == 0) {
        hanging.countDown();
        gate.await();
      } else if (sleepMillis > 0) {
        Thread.sleep(sleepMillis);
      }
      return AgentReply.of(text);
    } finally {
      inFlight.decrementAndGet(contact);
    }
  }

  int maxConcurrentPerContact() {
    return maxConcurrentPerContact.get();
  }

  long outOfOrder() {
    return outOfOrder.sum();
  }

  long calls() {
    return calls.sum();
  }
}
