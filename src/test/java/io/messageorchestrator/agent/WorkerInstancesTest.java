package io.messageorchestrator.agent;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code processor.workerInstances > 1}: several worker verticles consume the agent address. Each task reaches one
 * of them; contacts still run in parallel and each contact's messages one at a time, in order; a cancel (published to
 * every instance) interrupts the call wherever it runs.
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class WorkerInstancesTest {
  private static final List<String> CONTACTS = List.of("w1", "w2", "w3", "w4");

  @Test
  @DisplayName("with 3 worker instances, contacts are processed concurrently, each once per message and in order")
  @SuiteConfig({"processor.workerInstances=3", "maxQueueSize=100", "lockTimeout=0"})
  void concurrentAcrossInstancesInOrderPerContact(OrchestratorSuite suite, TestAgent agent, EventRecorder events)
    throws InterruptedException {
    for (String contact : CONTACTS) {
      suite.client().processMessage(contact, InboundMessage.text("block:" + contact));
    }
    // Every contact's first call is running at the same time as the others.
    for (String contact : CONTACTS) {
      agent.awaitStarted("block:" + contact);
    }
    assertThat(agent.maxInFlightTotal()).isEqualTo(CONTACTS.size());
    for (int i = 0; i < 20; i++) {
      for (String contact : CONTACTS) {
        suite.client().processMessage(contact, InboundMessage.text(contact + "#" + i));
      }
    }

    CONTACTS.forEach(agent::open);
    List<JsonObject> processed = events.awaitAll(Events.MESSAGE_PROCESSED, CONTACTS.size() * 21);

    assertThat(processed).extracting(e -> e.getString("outcome")).containsOnly("processed");
    assertThat(agent.maxInFlightPerContact()).isEqualTo(1);
    for (String contact : CONTACTS) {
      List<String> expected = new ArrayList<>(List.of("block:" + contact));
      IntStream.range(0, 20).mapToObj(i -> contact + "#" + i).forEach(expected::add);
      // Exactly these calls, in this order: no task was lost or run by two instances.
      assertThat(agent.startedFor(contact)).as(contact).containsExactlyElementsOf(expected);
    }
  }

  @Test
  @DisplayName("with 3 worker instances, a timed-out call is interrupted whichever instance runs it")
  @SuiteConfig({"processor.workerInstances=3", "processingTimeout=1000"})
  void timeoutInterruptsOnEveryInstance(OrchestratorSuite suite, TestAgent agent) throws InterruptedException {
    List<ProcessResult> results = new ArrayList<>();
    List<io.vertx.core.Future<ProcessResult>> pending = CONTACTS.stream()
      .map(contact -> suite.client().processMessage(contact, InboundMessage.text("hang"))).toList();
    pending.forEach(future -> results.add(Await.result(future)));

    assertThat(results).extracting(ProcessResult::status).containsOnly(ProcessResult.Status.TIMED_OUT);
    // Every call that started (on a loaded machine one may be cancelled before it starts) is interrupted.
    int started = CONTACTS.stream().mapToInt(contact -> agent.startedFor(contact).size()).sum();
    assertThat(started).isPositive();
    agent.awaitInterruptions(started);
  }
}
