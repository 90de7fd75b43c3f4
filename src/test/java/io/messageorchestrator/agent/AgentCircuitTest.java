package io.messageorchestrator.agent;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.core.AgentTask;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.eventbus.LocalCodec;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.ReadmeEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * J6b: the agent circuit, through a real worker verticle and an agent whose availability the test switches. Time
 * is a hand-moved clock, so "after the open duration" needs no waiting.
 */
@ExtendWith(VertxExtension.class)
class AgentCircuitTest {
  private static final int FAILURES_TO_OPEN = 3;
  private static final long OPEN_FOR = 5_000;

  private enum Mode { UNAVAILABLE, FAILING, ANSWERING }

  private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.ANSWERING);
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private int sequence;

  @BeforeEach
  void deploy(Vertx vertx) {
    LocalCodec.register(vertx, AgentTask.class);
    AgentProcessor agent = (message, context) -> {
      calls.incrementAndGet();
      return switch (mode.get()) {
        case UNAVAILABLE -> throw new AgentUnavailableException("agent answered HTTP 503");
        case FAILING -> throw new IllegalStateException("the agent's own bug");
        case ANSWERING -> AgentReply.of("re: " + message.text());
      };
    };
    AgentCircuit circuit = AgentCircuit.create(vertx, new OrchestratorConfig.Circuit(FAILURES_TO_OPEN, OPEN_FOR),
      registry, clock::get);
    Await.result(vertx.deployVerticle(new AgentWorkerVerticle(agent, 10, circuit),
      new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD)));
  }

  @Test
  @DisplayName("unavailable failures in a row open the circuit; while open the agent is not called; after openFor "
    + "one probe call closes it")
  void opensHoldsAndCloses(Vertx vertx) throws Exception {
    EventRecorder events = EventRecorder.attach(vertx);
    mode.set(Mode.UNAVAILABLE);
    for (int i = 0; i < FAILURES_TO_OPEN; i++) {
      AgentOutcome failed = call(vertx);
      assertThat(failed.notAttempted()).isFalse();
      assertThat(failed.error()).contains("AgentUnavailableException");
    }
    JsonObject opened = Await.result(events.await(Events.AGENT_CIRCUIT_OPENED, 1)).get(0);
    assertThat(opened.getInteger("failures")).isEqualTo(FAILURES_TO_OPEN);
    assertThat(opened.getLong("openForMs")).isEqualTo(OPEN_FOR);
    ReadmeEvents.assertDocumented(Events.AGENT_CIRCUIT_OPENED, opened);
    assertThat(gauge()).isEqualTo(1);
    assertThat(calls).hasValue(FAILURES_TO_OPEN);

    mode.set(Mode.ANSWERING); // the agent is back, but the circuit does not know yet
    clock.addAndGet(1_000);
    for (int i = 0; i < 5; i++) {
      AgentOutcome held = call(vertx);
      assertThat(held.notAttempted()).isTrue();
      assertThat(held.retryAfterMs()).isEqualTo(OPEN_FOR - 1_000);
      assertThat(held.response()).isNull();
    }
    assertThat(calls).as("no call while open").hasValue(FAILURES_TO_OPEN);

    clock.addAndGet(OPEN_FOR - 1_000);
    AgentOutcome probe = call(vertx);
    assertThat(probe.notAttempted()).isFalse();
    assertThat(probe.response()).startsWith("re: ");
    assertThat(calls).as("exactly one probe").hasValue(FAILURES_TO_OPEN + 1);
    JsonObject closed = Await.result(events.await(Events.AGENT_CIRCUIT_CLOSED, 1)).get(0);
    assertThat(closed.getLong("openedForMs")).isEqualTo(OPEN_FOR);
    ReadmeEvents.assertDocumented(Events.AGENT_CIRCUIT_CLOSED, closed);
    assertThat(gauge()).isZero();

    for (int i = 0; i < 3; i++) {
      assertThat(call(vertx).response()).startsWith("re: ");
    }
    assertThat(calls).hasValue(FAILURES_TO_OPEN + 4);
  }

  @Test
  @DisplayName("a probe that finds the agent still unavailable keeps the circuit open for another openFor")
  void failedProbeKeepsItOpen(Vertx vertx) {
    EventRecorder events = EventRecorder.attach(vertx);
    mode.set(Mode.UNAVAILABLE);
    for (int i = 0; i < FAILURES_TO_OPEN; i++) {
      call(vertx);
    }
    clock.addAndGet(OPEN_FOR);
    assertThat(call(vertx).notAttempted()).as("the probe is a real call").isFalse();
    assertThat(calls).hasValue(FAILURES_TO_OPEN + 1);

    AgentOutcome held = call(vertx);
    assertThat(held.notAttempted()).isTrue();
    assertThat(held.retryAfterMs()).isEqualTo(OPEN_FOR);
    assertThat(calls).hasValue(FAILURES_TO_OPEN + 1);
    assertThat(gauge()).isEqualTo(1);

    mode.set(Mode.ANSWERING);
    clock.addAndGet(OPEN_FOR);
    assertThat(call(vertx).response()).startsWith("re: ");
    assertThat(gauge()).isZero();
    assertThat(Await.result(events.await(Events.AGENT_CIRCUIT_OPENED, 1))).hasSize(1);
    assertThat(Await.result(events.await(Events.AGENT_CIRCUIT_CLOSED, 1))).hasSize(1);
  }

  @Test
  @DisplayName("ordinary agent errors never open the circuit, and one breaks a row of unavailable failures")
  void ordinaryErrorsNeverOpenIt(Vertx vertx) {
    EventRecorder events = EventRecorder.attach(vertx);
    mode.set(Mode.FAILING);
    for (int i = 0; i < FAILURES_TO_OPEN * 4; i++) {
      AgentOutcome failed = call(vertx);
      assertThat(failed.notAttempted()).isFalse();
      assertThat(failed.error()).contains("the agent's own bug");
    }
    for (Mode between : List.of(Mode.FAILING, Mode.ANSWERING)) {
      mode.set(Mode.UNAVAILABLE);
      for (int i = 0; i < FAILURES_TO_OPEN - 1; i++) {
        call(vertx);
      }
      mode.set(between);
      call(vertx);
    }
    mode.set(Mode.UNAVAILABLE);
    for (int i = 0; i < FAILURES_TO_OPEN - 1; i++) {
      assertThat(call(vertx).notAttempted()).isFalse();
    }

    assertThat(calls).as("every task reached the agent").hasValue(FAILURES_TO_OPEN * 4 + 2 * FAILURES_TO_OPEN
      + FAILURES_TO_OPEN - 1);
    assertThat(gauge()).isZero();
    assertThat(events.all(Events.AGENT_CIRCUIT_OPENED)).isEmpty();
  }

  /** Sends one task to the worker and waits for its outcome. */
  private AgentOutcome call(Vertx vertx) {
    Promise<AgentResult> result = Promise.promise();
    int n = ++sequence;
    vertx.eventBus().send(Addresses.AGENT, new AgentTask("default", "c" + n, "p" + n,
      InboundMessage.text("question " + n), 1, System.nanoTime() + 10_000_000_000L, n, result::tryComplete));
    return Await.result(result.future()).outcome();
  }

  private double gauge() {
    return registry.get(AgentCircuit.GAUGE).gauge().value();
  }
}
