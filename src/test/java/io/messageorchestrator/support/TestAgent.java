package io.messageorchestrator.support;

import io.messageorchestrator.agent.AgentProcessor;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.agent.ProcessingContext;
import io.messageorchestrator.core.InboundMessage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scriptable agent that also watches the orchestrator's guarantees. The message text is the script:
 * {@code block:<gate>} waits until the test opens the gate (interruptible), {@code hang} sleeps until interrupted,
 * {@code stubborn:<gate>} ignores interrupts and answers {@code late:<gate>} once the gate opens, {@code fail}
 * throws, {@code empty} answers "", {@code sleep:<ms>[#tag]} simulates work; anything else is answered {@code re:<text>}.
 */
public final class TestAgent implements AgentProcessor {
  private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final Map<String, List<String>> started = new ConcurrentHashMap<>();
  private final AtomicInteger maxInFlightPerContact = new AtomicInteger();
  private final AtomicInteger inFlightTotal = new AtomicInteger();
  private final AtomicInteger maxInFlightTotal = new AtomicInteger();
  private final AtomicInteger interrupted = new AtomicInteger();
  private final CountDownLatch firstInterrupt = new CountDownLatch(1);
  private volatile boolean allOpen;
  private final Map<String, CountDownLatch> startedTexts = new ConcurrentHashMap<>();

  @Override
  public AgentReply process(InboundMessage message, ProcessingContext context) throws Exception {
    AtomicInteger running = inFlight.computeIfAbsent(context.contactId(), id -> new AtomicInteger());
    maxInFlightPerContact.accumulateAndGet(running.incrementAndGet(), Math::max);
    maxInFlightTotal.accumulateAndGet(inFlightTotal.incrementAndGet(), Math::max);
    started.computeIfAbsent(context.contactId(), id -> new CopyOnWriteArrayList<>()).add(message.text());
    startedText(message.text()).countDown();
    try {
      return AgentReply.of(run(message.text()));
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      firstInterrupt.countDown();
      throw e;
    } finally {
      running.decrementAndGet();
      inFlightTotal.decrementAndGet();
    }
  }

  private String run(String text) throws Exception {
    if (text.startsWith("block:")) {
      gate(text.substring(6)).await();
    } else if (text.equals("hang")) {
      Thread.sleep(Long.MAX_VALUE);
    } else if (text.startsWith("stubborn:")) {
      CountDownLatch gate = gate(text.substring(9));
      boolean wasInterrupted = false;
      while (true) {
        try {
          gate.await();
          break;
        } catch (InterruptedException e) {
          wasInterrupted = true;
          interrupted.incrementAndGet();
          firstInterrupt.countDown();
        }
      }
      return "late:" + text.substring(9) + (wasInterrupted ? ":after-interrupt" : "");
    } else if (text.equals("fail")) {
      throw new IllegalStateException("agent exploded");
    } else if (text.equals("empty")) {
      return "";
    } else if (text.startsWith("sleep:")) {
      Thread.sleep(Long.parseLong(text.substring(6).split("\\D", 2)[0]));
    }
    return "re:" + text;
  }

  public CountDownLatch gate(String name) {
    return gates.computeIfAbsent(name, key -> new CountDownLatch(allOpen ? 0 : 1));
  }

  public void open(String name) {
    gate(name).countDown();
  }

  /** Opens every gate, present and future: after a test, so that no agent call stays blocked. */
  public void openAll() {
    allOpen = true;
    gates.values().forEach(CountDownLatch::countDown);
  }

  public int maxInFlightPerContact() {
    return maxInFlightPerContact.get();
  }

  /** The most agent calls, across all contacts, that were running at the same instant. */
  public int maxInFlightTotal() {
    return maxInFlightTotal.get();
  }

  public List<String> startedFor(String contactId) {
    return started.getOrDefault(contactId, List.of());
  }

  /** Waits (on the test thread) until a call with this text has started. */
  public void awaitStarted(String text) throws InterruptedException {
    if (!startedText(text).await(20, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new AssertionError("no agent call with text '" + text + "' started");
    }
  }

  private CountDownLatch startedText(String text) {
    return startedTexts.computeIfAbsent(text, key -> new CountDownLatch(1));
  }

  public int interruptions() {
    return interrupted.get();
  }

  /** Waits (on the test thread) until some agent call has been interrupted. */
  public void awaitInterrupt() throws InterruptedException {
    if (!firstInterrupt.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new AssertionError("no agent call was interrupted");
    }
  }
}
