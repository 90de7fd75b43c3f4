package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** R4 bounded queues with explicit overflow, R6 lock wait and the delivery of queued messages' replies. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class QueueTest {

  @Test
  @DisplayName("overflow policy 'reject' refuses the newest message with queue_full and processes the rest in order")
  @SuiteConfig({"maxQueueSize=2", "lockTimeout=0"})
  void rejectOnOverflow(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("q", InboundMessage.text("block:first"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    ProcessResult second = Await.result(suite.client().processMessage("q", InboundMessage.text("second")));
    ProcessResult third = Await.result(suite.client().processMessage("q", InboundMessage.text("third")));
    ProcessResult fourth = Await.result(suite.client().processMessage("q", InboundMessage.text("fourth")));

    assertThat(second.queued()).isTrue();
    assertThat(second.queuePosition()).isEqualTo(1);
    assertThat(third.queuePosition()).isEqualTo(2);
    assertThat(fourth.status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(fourth.reason()).isEqualTo("queue_full");
    assertThat(fourth.success()).isFalse();
    assertThat(events.awaitAll(Events.MESSAGE_REJECTED, 1).get(0).getString("reason")).isEqualTo("queue_full");

    agent.open("first");
    events.awaitAll(Events.MESSAGE_PROCESSED, 3);
    assertThat(agent.startedFor("q")).containsExactly("block:first", "second", "third");
    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getJsonObject("totalRejected").getLong("queue_full")).isEqualTo(1);
  }

  @Test
  @DisplayName("overflow policy 'dropOldest' drops the oldest waiting message with an event and a count")
  @SuiteConfig({"maxQueueSize=2", "lockTimeout=0", "queueOverflow=dropOldest"})
  void dropOldestOnOverflow(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("d", InboundMessage.text("block:first"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    ProcessResult second = Await.result(suite.client().processMessage("d", InboundMessage.text("second")));
    Await.result(suite.client().processMessage("d", InboundMessage.text("third")));
    ProcessResult fourth = Await.result(suite.client().processMessage("d", InboundMessage.text("fourth")));

    assertThat(fourth.queued()).isTrue();
    JsonObject dropped = events.awaitAll(Events.MESSAGE_DROPPED, 1).get(0);
    assertThat(dropped.getString("processId")).isEqualTo(second.processId());
    assertThat(dropped.getJsonObject("message").getString("text")).isEqualTo("second");

    agent.open("first");
    events.awaitAll(Events.MESSAGE_PROCESSED, 3);
    assertThat(agent.startedFor("d")).containsExactly("block:first", "third", "fourth");
    assertThat(Await.result(suite.client().getStats()).getLong("totalDropped")).isEqualTo(1);
  }

  @Test
  @DisplayName("lockTimeout 0 answers queued at once, and the queued message's reply arrives on messageProcessed")
  @SuiteConfig("lockTimeout=0")
  void queuedReplyIsDelivered(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    Future<ProcessResult> first = suite.client().processMessage("r", InboundMessage.text("block:r"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    ProcessResult queued = Await.result(suite.client().processMessage("r", InboundMessage.text("where is my order?")));

    assertThat(queued.status()).isEqualTo(ProcessResult.Status.QUEUED);
    assertThat(queued.queued()).isTrue();
    assertThat(queued.success()).isFalse();
    assertThat(queued.queuePosition()).isEqualTo(1);
    JsonObject queuedEvent = events.awaitAll(Events.MESSAGE_QUEUED, 1).get(0);
    assertThat(queuedEvent.getInteger("queueSize")).isEqualTo(1);
    assertThat(queuedEvent.getJsonObject("message").getString("text")).isEqualTo("where is my order?");

    agent.open("r");
    assertThat(Await.result(first).status()).isEqualTo(ProcessResult.Status.PROCESSED);
    JsonObject reply = events.awaitFirst(Events.MESSAGE_PROCESSED,
      e -> e.getString("processId").equals(queued.processId()));
    assertThat(reply.getString("response")).isEqualTo("re:where is my order?");
    assertThat(reply.getBoolean("queued")).isTrue();
  }

  @Test
  @DisplayName("a caller whose message starts within lockTimeout receives the processed result, not 'queued'")
  @SuiteConfig("lockTimeout=10000")
  void startsWithinLockTimeout(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("w", InboundMessage.text("block:w"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Future<ProcessResult> second = suite.client().processMessage("w", InboundMessage.text("second"));
    events.awaitAll(Events.MESSAGE_QUEUED, 1);
    assertThat(second.isComplete()).isFalse();

    agent.open("w");
    ProcessResult result = Await.result(second);
    assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(result.response()).isEqualTo("re:second");
  }

  @Test
  @DisplayName("a caller still waiting when lockTimeout expires gets queued with its position; the message runs later")
  @SuiteConfig("lockTimeout=150")
  void lockTimeoutExpires(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("x", InboundMessage.text("block:x"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Future<ProcessResult> second = suite.client().processMessage("x", InboundMessage.text("second"));
    Future<ProcessResult> third = suite.client().processMessage("x", InboundMessage.text("third"));

    assertThat(Await.result(second).queuePosition()).isEqualTo(1);
    assertThat(Await.result(third).queuePosition()).isEqualTo(2);
    assertThat(Await.result(third).queued()).isTrue();

    agent.open("x");
    List<JsonObject> processed = events.awaitAll(Events.MESSAGE_PROCESSED, 3);
    assertThat(processed).extracting(e -> e.getString("response"))
      .containsExactly("re:block:x", "re:second", "re:third");
  }

  @Test
  @DisplayName("a node-wide cap on waiting messages rejects with 'overloaded' instead of growing without bound")
  @SuiteConfig({"shards=1", "maxTotalQueued=3", "lockTimeout=0", "maxConcurrentContacts=1"})
  void totalQueueCap(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("a", InboundMessage.text("block:cap"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    for (int i = 0; i < 3; i++) {
      assertThat(Await.result(suite.client().processMessage("b" + i, InboundMessage.text("m"))).queued()).isTrue();
    }
    ProcessResult refused = Await.result(suite.client().processMessage("c", InboundMessage.text("m")));
    assertThat(refused.status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(refused.reason()).isEqualTo("overloaded");
    agent.open("cap");
    events.awaitAll(Events.MESSAGE_PROCESSED, 4);
  }
}
