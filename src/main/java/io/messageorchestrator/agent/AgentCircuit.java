package io.messageorchestrator.agent;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongSupplier;

/**
 * The agent's circuit breaker (J6b): after {@code circuit.failuresToOpen} agent-unavailable failures in a row
 * ({@link AgentUnavailableException}) it <b>opens</b>, and calls are answered at once with
 * {@code AgentOutcome.notAttempted} instead of reaching the agent; after {@code circuit.openFor} one call goes
 * through as a <b>probe</b> (half-open): if the agent answers (anything but unavailable) the circuit closes, else it
 * stays open for another {@code openFor}. Any answer of the agent, even an error, breaks a row of failures: only an
 * unreachable agent opens it. One circuit per node, shared by every worker instance; thread-safe (calls run on
 * their own virtual threads). Publishes {@code agentCircuitOpened} / {@code agentCircuitClosed} and the gauge
 * {@value #GAUGE} (1 while open or half-open).
 *
 * <p>A small state machine rather than {@code vertx-circuit-breaker}: that library counts failures in a rolling time
 * window (not in a row), does not say when the circuit will let a probe through (needed for {@code retryAfterMs}),
 * and runs Future-based commands on a Vert.x context, while agent calls block their own virtual threads.
 */
public final class AgentCircuit {
  public static final String GAUGE = "orchestrator.agent.circuit.open";
  /** Longest wait told to other calls while a probe runs: they come back soon after it closes the circuit. */
  static final long MAX_PROBE_WAIT_MS = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(AgentCircuit.class);

  /** What the owner is told when the circuit changes state (called outside the circuit's lock). */
  interface Listener {
    void opened(int failures, long openForMs);

    void closed(long openedForMs);
  }

  /** How a call that went through ended, as far as the agent's availability goes. */
  enum Verdict {
    /** The agent answered (a reply, or an error of its own). */
    AVAILABLE,
    /** {@link AgentUnavailableException}. */
    UNAVAILABLE,
    /** No answer either way (the call was interrupted). */
    NONE
  }

  /**
   * A call's permission: {@code allowed} (and whether it is the half-open probe), or refused with the time after
   * which the circuit may let a call through.
   */
  record Admission(boolean allowed, boolean probe, long retryAfterMs) {
    static final Admission CALL = new Admission(true, false, 0);
    static final Admission PROBE = new Admission(true, true, 0);
  }

  private enum State { CLOSED, OPEN, HALF_OPEN }

  private final int failuresToOpen;
  private final long openForMs;
  private final LongSupplier clock;
  private final Listener listener;
  private State state = State.CLOSED;
  private int failuresInRow;
  /** When it opened (from closed), for {@code openedForMs}. */
  private long openedAt;
  /** OPEN: when a probe may go. HALF_OPEN: when the probe in flight is considered lost (its call's deadline). */
  private long nextProbeAt;

  /**
   * @param clock monotonic milliseconds
   */
  AgentCircuit(int failuresToOpen, long openForMs, LongSupplier clock, Listener listener) {
    this.failuresToOpen = failuresToOpen;
    this.openForMs = openForMs;
    this.clock = clock;
    this.listener = listener;
  }

  /** The node's circuit: events on the event bus, the gauge in {@code registry} (may be null). */
  public static AgentCircuit create(Vertx vertx, OrchestratorConfig.Circuit settings, MeterRegistry registry) {
    return create(vertx, settings, registry, () -> System.nanoTime() / 1_000_000);
  }

  static AgentCircuit create(Vertx vertx, OrchestratorConfig.Circuit settings, MeterRegistry registry,
                             LongSupplier clock) {
    EventJsonCodec.register(vertx);
    AgentCircuit circuit = new AgentCircuit(settings.failuresToOpen(), settings.openFor(), clock, new Listener() {
      @Override
      public void opened(int failures, long openForMs) {
        LOG.warn("Agent unavailable {} times in a row: circuit open, messages wait; next probe in {} ms", failures,
          openForMs);
        vertx.eventBus().publish(Addresses.event(Events.AGENT_CIRCUIT_OPENED), new JsonObject()
          .put("failures", failures).put("openForMs", openForMs).put("timestamp", System.currentTimeMillis()),
          EventJsonCodec.DELIVERY);
      }

      @Override
      public void closed(long openedForMs) {
        LOG.info("Agent answers again: circuit closed after {} ms", openedForMs);
        vertx.eventBus().publish(Addresses.event(Events.AGENT_CIRCUIT_CLOSED), new JsonObject()
          .put("openedForMs", openedForMs).put("timestamp", System.currentTimeMillis()), EventJsonCodec.DELIVERY);
      }
    });
    if (registry != null) {
      Gauge.builder(GAUGE, circuit, c -> c.isOpen() ? 1 : 0).strongReference(true)
        .description("1 while the agent circuit is open (agent unavailable: messages wait), else 0")
        .register(registry);
    }
    return circuit;
  }

  /** A circuit that never opens (a worker deployed without one). */
  static AgentCircuit disabled() {
    return new AgentCircuit(Integer.MAX_VALUE, 1, () -> 0, null);
  }

  /**
   * Asks to call the agent now.
   *
   * @param callBoundMs how long the call may take at most (its deadline): a probe that reports nothing by then is
   *                    considered lost and the next call probes instead
   */
  synchronized Admission admit(long callBoundMs) {
    if (state == State.CLOSED) {
      return Admission.CALL;
    }
    long now = clock.getAsLong();
    if (now < nextProbeAt) {
      long wait = nextProbeAt - now;
      return new Admission(false, false, state == State.HALF_OPEN ? Math.min(wait, MAX_PROBE_WAIT_MS) : wait);
    }
    state = State.HALF_OPEN;
    nextProbeAt = now + Math.max(1, callBoundMs);
    return Admission.PROBE;
  }

  /** How a call admitted by {@link #admit} ended. */
  void record(Admission admission, Verdict verdict) {
    Runnable notify = null;
    synchronized (this) {
      long now = clock.getAsLong();
      if (admission.probe()) {
        if (state != State.HALF_OPEN) {
          return; // another probe (this one was thought lost) has decided already
        }
        switch (verdict) {
          case AVAILABLE -> {
            state = State.CLOSED;
            failuresInRow = 0;
            long openedFor = now - openedAt;
            notify = () -> listener.closed(openedFor);
          }
          case UNAVAILABLE -> {
            state = State.OPEN;
            nextProbeAt = now + openForMs;
          }
          case NONE -> {
            state = State.OPEN;
            nextProbeAt = now; // no verdict: the next call probes
          }
        }
      } else if (state == State.CLOSED) {
        if (verdict == Verdict.AVAILABLE) {
          failuresInRow = 0;
        } else if (verdict == Verdict.UNAVAILABLE && ++failuresInRow >= failuresToOpen) {
          state = State.OPEN;
          openedAt = now;
          nextProbeAt = now + openForMs;
          int failures = failuresInRow;
          notify = () -> listener.opened(failures, openForMs);
        }
      }
      // Calls admitted before the circuit opened and ending while it is open do not change it: the probe decides.
    }
    if (notify != null && listener != null) {
      notify.run();
    }
  }

  /** Whether calls are currently held back (open or half-open). */
  public synchronized boolean isOpen() {
    return state != State.CLOSED;
  }
}
