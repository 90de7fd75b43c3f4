package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** R5: an attempt past processingTimeout is abandoned, its thread interrupted, and its late result fenced off. */
@ExtendWith(VertxExtension.class)
class TimeoutTest {

  @Test
  @DisplayName("a hung agent times out: fallback reply, processingTimeout event, totalTimeouts+1, thread interrupted, next message runs")
  void hungAgentTimesOut(Vertx vertx) throws InterruptedException {
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject().put("processingTimeout", 200)
      .put("fallbackResponse", "one moment please"), agent);
    EventRecorder events = EventRecorder.attach(vertx);

    Future<ProcessResult> hung = suite.client().processMessage("t", InboundMessage.text("hang"));
    Future<ProcessResult> next = suite.client().processMessage("t", InboundMessage.text("next"));

    ProcessResult timedOut = Await.result(hung);
    assertThat(timedOut.status()).isEqualTo(ProcessResult.Status.TIMED_OUT);
    assertThat(timedOut.success()).isFalse();
    assertThat(timedOut.fallback()).isTrue();
    assertThat(timedOut.response()).isEqualTo("one moment please");
    assertThat(Await.result(next).response()).isEqualTo("re:next");
    JsonObject timeoutEvent = events.awaitAll(Events.PROCESSING_TIMEOUT, 1).get(0);
    assertThat(timeoutEvent.getString("contactId")).isEqualTo("t");
    assertThat(timeoutEvent.getString("processId")).isEqualTo(timedOut.processId());
    agent.awaitInterrupt();
    assertThat(agent.interruptions()).isEqualTo(1);
    JsonObject processed = events.awaitFirst(Events.MESSAGE_PROCESSED,
      e -> e.getString("processId").equals(timedOut.processId()));
    assertThat(processed.getString("outcome")).isEqualTo("timed_out");
    assertThat(processed.getString("response")).isEqualTo("one moment please");
    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getLong("totalTimeouts")).isEqualTo(1);
    assertThat(stats.getLong("totalProcessed")).isEqualTo(1);
  }

  @Test
  @DisplayName("a result that arrives after its lease ended is discarded, never delivered, and counted")
  void lateResultIsFenced(Vertx vertx) throws InterruptedException {
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject().put("processingTimeout", 150), agent);
    EventRecorder events = EventRecorder.attach(vertx);

    ProcessResult timedOut = Await.result(suite.client().processMessage("s", InboundMessage.text("stubborn:late")));
    assertThat(timedOut.status()).isEqualTo(ProcessResult.Status.TIMED_OUT);
    agent.awaitInterrupt();
    ProcessResult after = Await.result(suite.client().processMessage("s", InboundMessage.text("after")));
    assertThat(after.response()).isEqualTo("re:after");

    agent.open("late");
    JsonObject discarded = events.awaitAll(Events.LATE_RESULT_DISCARDED, 1).get(0);
    assertThat(discarded.getString("processId")).isEqualTo(timedOut.processId());
    assertThat(discarded.getLong("fencingToken")).isPositive();
    assertThat(events.all(Events.MESSAGE_PROCESSED)).extracting(e -> e.getString("response"))
      .noneMatch(response -> response.startsWith("late:"));
    assertThat(Await.result(suite.client().getStats()).getLong("lateResultsDiscarded")).isEqualTo(1);
  }

  @Test
  @DisplayName("each lease carries a new fencing token")
  void fencingTokensIncrease(Vertx vertx) {
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject().put("shards", 1), agent);
    EventRecorder events = EventRecorder.attach(vertx);

    Await.result(suite.client().processMessage("f", InboundMessage.text("one")));
    Await.result(suite.client().processMessage("f", InboundMessage.text("two")));

    assertThat(events.awaitAll(Events.LOCK_ACQUIRED, 2)).extracting(e -> e.getLong("fencingToken"))
      .containsExactly(1L, 2L);
  }
}
