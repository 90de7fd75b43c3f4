package io.messageorchestrator.journal;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V1 across restarts on the SQLite journal: an open burst is kept (not flushed early at shutdown), its messages
 * re-enter the conversation's window at the next start and go to the agent as one call; once that call finished,
 * a further restart runs nothing again.
 */
@ExtendWith(VertxExtension.class)
class DurableCoalescingTest {
  @TempDir
  Path folder;

  private final List<List<String>> agentCalls = new CopyOnWriteArrayList<>();

  private OrchestratorSuite start(Vertx vertx, long quietWindow) {
    JsonObject config = new JsonObject().put("shutdownGracePeriod", 200).put("lockTimeout", 0)
      .put("journal", new JsonObject().put("type", "sqlite").put("path", folder.resolve("orchestrator.db").toString()))
      .put("coalesce", new JsonObject().put("quietWindow", quietWindow).put("maxWait", 2 * quietWindow));
    return Suites.start(vertx, config, (message, context) -> {
      agentCalls.add(context.messages().stream().map(InboundMessage::text).toList());
      return AgentReply.of("one answer for " + context.messages().size());
    });
  }

  @Test
  @DisplayName("a restart resumes the window: the kept burst's messages go to the agent together after it, each"
    + " ends with one outcome, and the next restart answers nothing twice")
  void restartResumesTheWindow(Vertx vertx) {
    OrchestratorSuite first = start(vertx, 3_600_000); // the burst cannot end before the stop
    for (String text : List.of("hi", "I want the premium plan", "for 3 users?")) {
      assertThat(Await.result(first.client().accept("c1", InboundMessage.text(text))).status())
        .isEqualTo(ProcessResult.Status.ACCEPTED);
    }
    JsonObject stopped = Await.result(first.stop());
    assertThat(stopped.getInteger("messagesKept")).isEqualTo(3);
    assertThat(agentCalls).isEmpty();

    EventRecorder events = EventRecorder.attach(vertx);
    OrchestratorSuite second = start(vertx, 200);
    JsonObject processed;
    try {
      assertThat(events.awaitAll(Events.JOURNAL_RECOVERED, 1).getFirst().getInteger("messages")).isEqualTo(3);
      processed = events.awaitAll(Events.MESSAGE_PROCESSED, 1).getFirst();
      assertThat(events.all(Events.BURST_FLUSHED).getFirst().getString("reason")).isEqualTo("quiet");
      assertThat(agentCalls).containsExactly(List.of("hi", "I want the premium plan", "for 3 users?"));
      assertThat(processed.getString("response")).isEqualTo("one answer for 3");
      List<String> members = processed.getJsonArray("members").stream().map(String.class::cast).toList();
      assertThat(members).hasSize(3).first().isEqualTo(processed.getString("processId"));
      JsonObject call = Await.result(second.journal().find(members.get(0)));
      assertThat(call.getString("outcome")).isEqualTo("processed");
      for (String member : members.subList(1, 3)) {
        JsonObject row = Await.result(second.journal().find(member));
        assertThat(row.getString("outcome")).isEqualTo("coalesced_into");
        assertThat(row.getString("error")).isEqualTo("coalesced into " + members.get(0));
      }
    } finally {
      Await.result(second.stop());
    }

    EventRecorder third = EventRecorder.attach(vertx);
    OrchestratorSuite again = start(vertx, 200);
    try {
      assertThat(third.awaitAll(Events.JOURNAL_RECOVERED, 1).getFirst().getInteger("messages")).isZero();
      assertThat(agentCalls).hasSize(1);
    } finally {
      Await.result(again.stop());
    }
  }
}
