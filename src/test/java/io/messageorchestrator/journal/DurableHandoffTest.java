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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V3 across a restart on the SQLite journal (the suite stopped and started again on the same file): a pause and its
 * held messages survive — held again, not re-queued, never given to the agent — and the pause's expiry keeps
 * counting from the persisted epoch ms.
 */
@ExtendWith(VertxExtension.class)
class DurableHandoffTest {
  @TempDir
  Path folder;

  private final List<String> agentCalls = new CopyOnWriteArrayList<>();

  private JsonObject config(String onResume) {
    return new JsonObject().put("shutdownGracePeriod", 200).put("lockTimeout", 0)
      .put("journal", new JsonObject().put("type", "sqlite").put("path", database().toString()))
      .put("handoff", new JsonObject().put("onResume", onResume));
  }

  private Path database() {
    return folder.resolve("data/orchestrator.db");
  }

  private OrchestratorSuite start(Vertx vertx, String onResume) {
    return Suites.start(vertx, config(onResume), (message, context) -> {
      agentCalls.add(message.text());
      return AgentReply.of("re:" + message.text());
    });
  }

  @Test
  @DisplayName("a pause and its held messages survive a restart: held again (not re-queued, no agent call), the"
    + " expiry still counting; resuming after the restart releases them (onResume=all)")
  void pauseAndHeldMessagesSurviveARestart(Vertx vertx) {
    OrchestratorSuite first = start(vertx, "all");
    JsonObject paused = Await.result(first.client().pause("c1", Duration.ofHours(1), "Ana takes over"));
    for (String text : List.of("one", "two")) {
      assertThat(Await.result(first.client().accept("c1", InboundMessage.text(text))).status())
        .isEqualTo(ProcessResult.Status.HELD);
    }
    JsonObject stopped = Await.result(first.stop());
    assertThat(stopped.getInteger("messagesKept")).isEqualTo(2);

    EventRecorder events = EventRecorder.attach(vertx);
    OrchestratorSuite second = start(vertx, "all");
    try {
      JsonObject status = Await.result(second.client().contactStatus("c1"));
      assertThat(status.getBoolean("paused")).isTrue();
      assertThat(status.getJsonObject("pause").getLong("until")).isEqualTo(paused.getLong("until"));
      // Counting down from the persisted expiry (the clocks differ by a few ms), not restarted by the restart.
      long left = paused.getLong("until") - System.currentTimeMillis();
      assertThat(status.getJsonObject("pause").getLong("remainingMs")).isBetween(left - 60_000, left + 1_000);
      assertThat(status.getJsonArray("held").stream().map(held -> ((JsonObject) held).getJsonObject("message")
        .getString("text"))).containsExactly("one", "two");
      assertThat(Await.result(second.client().getStats()).getInteger("heldMessages")).isEqualTo(2);
      assertThat(agentCalls).isEmpty();

      Await.result(second.client().resume("c1"));
      assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 2)).extracting(event -> event.getString("response"))
        .containsExactly("re:one", "re:two");
    } finally {
      Await.result(second.stop());
    }

    // Resumed and answered: a third start has nothing paused and nothing to run.
    OrchestratorSuite third = start(vertx, "all");
    try {
      assertThat(Await.result(third.client().contactStatus("c1")).getBoolean("paused")).isFalse();
      assertThat(agentCalls).containsExactly("one", "two");
    } finally {
      Await.result(third.stop());
    }
  }

  @Test
  @DisplayName("a pause that ran out while the service was down ends at start (by 'ttl'): its held messages go as"
    + " onResume says (skip: handled_by_human, no agent call), and a restart does not bring them back")
  void expiredWhileDownResumesAtStart(Vertx vertx) {
    SqliteJournal journal = Await.result(SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite")
      .withPath(database().toString())));
    long now = System.currentTimeMillis();
    Await.result(journal.append(new JournalEntry(0, "old-1", "default", "c1", "wamid.1",
      new JsonObject().put("text", "are you there?").put("type", "text").put("timestamp", now), now, 0, null), 0));
    Await.result(journal.pause(new ContactPause("default", "c1", now - 7_200_000, now - 1, "business", null)));
    Await.result(journal.close());

    EventRecorder events = EventRecorder.attach(vertx);
    OrchestratorSuite suite = start(vertx, "skip");
    try {
      JsonObject resumed = events.awaitAll(Events.CONTACT_RESUMED, 1).getFirst();
      assertThat(resumed.getString("by")).isEqualTo("ttl");
      assertThat(resumed.getJsonArray("processIds").getList()).containsExactly("old-1");
      assertThat(Await.result(suite.client().contactStatus("c1")).getBoolean("paused")).isFalse();
      assertThat(suite.metrics().count(io.messageorchestrator.orchestrator.Outcome.HANDLED_BY_HUMAN)).isEqualTo(1);
      assertThat(agentCalls).isEmpty();
    } finally {
      Await.result(suite.stop());
    }
    OrchestratorSuite again = start(vertx, "skip");
    try {
      assertThat(Await.result(again.journal().find("old-1")).getString("outcome")).isEqualTo("handled_by_human");
      assertThat(Await.result(again.client().contactStatus("c1")).getBoolean("paused")).isFalse();
      assertThat(agentCalls).isEmpty();
    } finally {
      Await.result(again.stop());
    }
  }
}
