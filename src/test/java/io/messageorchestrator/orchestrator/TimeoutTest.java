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

/** R5: an attempt past processingTimeout is abandoned, its thread interrupted, and its late result fenced off. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class TimeoutTest {

  @Test
  @DisplayName("a hung agent times out: fallback reply, processingTimeout event, totalTimeouts+1, thread interrupted, next message runs")
  @SuiteConfig({"processingTimeout=200", "fallbackResponse=one moment please"})
  void hungAgentTimesOut(OrchestratorSuite suite, TestAgent agent, EventRecorder events) throws InterruptedException {
    Future<ProcessResult> hung = suite.client().processMessage("t", InboundMessage.text("hang"));
    Future<ProcessResult> next = suite.client().processMessage("t", InboundMessage.text("next"));

    ProcessResult timedOut = Await.result(hung);
    assertThat(timedOut.status()).isEqualTo(ProcessResult.Status.TIMED_OUT);
    assertThat(timedOut.success()).isFalse();
    assertThat(timedOut.fallback()).isTrue();
    assertThat(timedOut.response()).isEqualTo("one moment please");
    JsonObject timeoutEvent = events.awaitFirst(Events.PROCESSING_TIMEOUT,
      e -> e.getString("processId").equals(timedOut.processId()));
    assertThat(timeoutEvent.getString("contactId")).isEqualTo("t");
    agent.awaitInterrupt();
    JsonObject processed = events.awaitFirst(Events.MESSAGE_PROCESSED,
      e -> e.getString("processId").equals(timedOut.processId()));
    assertThat(processed.getString("outcome")).isEqualTo("timed_out");
    assertThat(processed.getString("response")).isEqualTo("one moment please");

    // The contact moved on: the next message got the lease only once the hung one had timed out, and ended. Its own
    // outcome is not asserted: it too has only 200 ms, which a loaded machine may exceed (it may then even be
    // cancelled before its call starts).
    String nextId = Await.result(next).processId();
    events.awaitFirst(Events.MESSAGE_PROCESSED, e -> e.getString("processId").equals(nextId));
    assertThat(agent.startedFor("t")).startsWith("hang").isSubsetOf("hang", "next");
    List<String> order = events.all().stream()
      .filter(event -> event.name().equals(Events.PROCESSING_TIMEOUT) || event.name().equals(Events.LOCK_ACQUIRED))
      .map(event -> event.name() + " " + event.body().getString("processId")).toList();
    assertThat(order).containsSubsequence(Events.LOCK_ACQUIRED + " " + timedOut.processId(),
      Events.PROCESSING_TIMEOUT + " " + timedOut.processId(), Events.LOCK_ACQUIRED + " " + nextId);
    // Counted exactly, whatever the next message's outcome was.
    List<JsonObject> outcomes = events.all(Events.MESSAGE_PROCESSED);
    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getLong("totalTimeouts"))
      .isEqualTo(outcomes.stream().filter(e -> e.getString("outcome").equals("timed_out")).count());
    assertThat(stats.getLong("totalProcessed"))
      .isEqualTo(outcomes.stream().filter(e -> e.getString("outcome").equals("processed")).count());
  }

  @Test
  @DisplayName("a result that arrives after its lease ended is discarded, never delivered, and counted")
  @SuiteConfig("processingTimeout=150")
  void lateResultIsFenced(OrchestratorSuite suite, TestAgent agent, EventRecorder events) throws InterruptedException {
    ProcessResult timedOut = Await.result(suite.client().processMessage("s", InboundMessage.text("stubborn:late")));
    assertThat(timedOut.status()).isEqualTo(ProcessResult.Status.TIMED_OUT);
    agent.awaitInterrupt();
    // The contact moves on (a new lease) while the stubborn call still runs. The next call blocks until interrupted:
    // whether its lease is still current when the late answer lands or not, an interrupted call is never late.
    Future<ProcessResult> after = suite.client().processMessage("s", InboundMessage.text("block:after"));
    events.awaitFirst(Events.LOCK_ACQUIRED, e -> !e.getString("processId").equals(timedOut.processId()));

    agent.open("late");
    JsonObject discarded = events.awaitFirst(Events.LATE_RESULT_DISCARDED,
      e -> e.getString("processId").equals(timedOut.processId()));
    assertThat(discarded.getLong("fencingToken")).isPositive();
    String afterId = Await.result(after).processId();
    events.awaitFirst(Events.MESSAGE_PROCESSED, e -> e.getString("processId").equals(afterId));
    assertThat(events.all(Events.MESSAGE_PROCESSED)).extracting(e -> e.getString("response"))
      .noneMatch(response -> response.startsWith("late:"));
    assertThat(events.all(Events.LATE_RESULT_DISCARDED)).hasSize(1);
    assertThat(Await.result(suite.client().getStats()).getLong("lateResultsDiscarded")).isEqualTo(1);
  }

  @Test
  @DisplayName("each lease carries a new fencing token")
  @SuiteConfig("shards=1")
  void fencingTokensIncrease(OrchestratorSuite suite, EventRecorder events) {
    Await.result(suite.client().processMessage("f", InboundMessage.text("one")));
    Await.result(suite.client().processMessage("f", InboundMessage.text("two")));

    assertThat(events.awaitAll(Events.LOCK_ACQUIRED, 2)).extracting(e -> e.getLong("fencingToken"))
      .containsExactly(1L, 2L);
  }
}
