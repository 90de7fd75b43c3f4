package io.messageorchestrator.journal;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Poll;
import io.messageorchestrator.support.Suites;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
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
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole suite over the SQLite journal, stopped and started again in this JVM on the same file (the kill -9
 * tests in {@code crash} do it with a real process): R11 with a durable journal, J3 across a restart, J5, J6, J7.
 */
@ExtendWith(VertxExtension.class)
class DurableSuiteTest {
  @TempDir
  Path folder;

  private JsonObject config(int maxAttempts) {
    return new JsonObject()
      .put("shutdownGracePeriod", 200)
      .put("lockTimeout", 0)
      .put("journal", new JsonObject().put("type", "sqlite")
        .put("path", folder.resolve("data/orchestrator.db").toString()))
      .put("retry", new JsonObject().put("maxAttempts", maxAttempts).put("initialBackoff", 1).put("maxBackoff", 1));
  }

  @Test
  @DisplayName("R11: at the end of the grace period waiting messages stay journaled and the running call is abandoned; the next start runs them all, in order, the abandoned one with attempt 2")
  void unfinishedWorkSurvivesAStop(Vertx vertx) throws InterruptedException {
    CountDownLatch never = new CountDownLatch(1);
    EventRecorder first = EventRecorder.attach(vertx);
    OrchestratorSuite suite = Suites.start(vertx, config(3), (message, context) -> {
      never.await(); // interrupted when the grace period ends
      return AgentReply.of("unreachable");
    });
    for (String text : List.of("m1", "m2", "m3")) {
      assertThat(Await.result(suite.client().accept("c", InboundMessage.text(text))).status())
        .isEqualTo(ProcessResult.Status.ACCEPTED);
    }
    first.awaitAll(Events.LOCK_ACQUIRED, 1);
    JsonObject stopped = Await.result(suite.stop());
    assertThat(stopped.getInteger("messagesKept")).isEqualTo(3);
    assertThat(stopped.getInteger("messagesDropped")).isZero();
    assertThat(first.all(Events.MESSAGE_DISCARDED)).isEmpty();
    assertThat(first.all(Events.MESSAGE_PROCESSED)).isEmpty();

    List<String> calls = new CopyOnWriteArrayList<>();
    EventRecorder second = EventRecorder.attach(vertx);
    OrchestratorSuite restarted = Suites.start(vertx, config(3), (message, context) -> {
      calls.add(message.text() + "#" + context.attempt());
      return AgentReply.of("re:" + message.text());
    });
    try {
      assertThat(second.awaitAll(Events.MESSAGE_PROCESSED, 3)).extracting(event -> event.getString("response"))
        .containsExactly("re:m1", "re:m2", "re:m3");
      assertThat(calls).containsExactly("m1#2", "m2#1", "m3#1");
      assertThat(second.all(Events.JOURNAL_RECOVERED)).singleElement().satisfies(event -> {
        assertThat(event.getInteger("messages")).isEqualTo(3);
        assertThat(event.getInteger("contacts")).isEqualTo(1);
      });
    } finally {
      Await.result(restarted.stop());
    }
  }

  @Test
  @DisplayName("J3: a provider's redelivery after a restart is a duplicate; a retried request without a provider id (same idempotency key) too")
  void duplicatesSurviveARestart(Vertx vertx) {
    OrchestratorSuite suite = Suites.start(vertx, config(1), (message, context) -> AgentReply.of("ok"));
    ProcessRequest noProviderId = new ProcessRequest("c", InboundMessage.text("no id"), true).withIdempotencyKey();
    try {
      assertThat(Await.result(suite.client().accept("c", InboundMessage.text("hi", "wamid.1"))).status())
        .isEqualTo(ProcessResult.Status.ACCEPTED);
      assertThat(Await.result(suite.client().submit(noProviderId)).status())
        .isEqualTo(ProcessResult.Status.ACCEPTED);
    } finally {
      Await.result(suite.stop());
    }
    OrchestratorSuite restarted = Suites.start(vertx, config(1), (message, context) -> AgentReply.of("ok"));
    try {
      assertThat(Await.result(restarted.client().accept("c", InboundMessage.text("hi", "wamid.1"))).duplicate())
        .isTrue();
      assertThat(Await.result(restarted.client().submit(noProviderId)).duplicate()).isTrue();
      assertThat(Await.result(restarted.client().accept("c", InboundMessage.text("no id"))).duplicate())
        .as("another request without an id is another message").isFalse();
      // J8: the journal's meters are on the suite's registry.
      FunctionTimer appends = restarted.metrics().registry().find("orchestrator.journal.append")
        .tag("type", "sqlite").functionTimer();
      assertThat(appends).isNotNull();
      assertThat(appends.count()).isGreaterThanOrEqualTo(1);
      Gauge fileBytes = restarted.metrics().registry().find("orchestrator.journal.file.bytes").gauge();
      assertThat(fileBytes.value()).isPositive();
    } finally {
      Await.result(restarted.stop());
    }
  }

  @Test
  @DisplayName("J5/J6/J7 at recovery: a message whose attempts were used up by restarts is dead-lettered, one older than maxMessageAge expires; neither reaches the agent")
  void recoveryDeadLettersAndExpires(Vertx vertx) {
    Path path = folder.resolve("data/orchestrator.db");
    SqliteJournal journal = Await.result(SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite")
      .withPath(path.toString())));
    long now = System.currentTimeMillis();
    JournalEntry killer = new JournalEntry(0, "old-node-0-1", "default", "a", null,
      InboundMessage.text("crashes the agent").toJson(), now, 0, null);
    long twoDaysAgo = now - 2 * 86_400_000L;
    JournalEntry stale = new JournalEntry(0, "old-node-0-2", "default", "b", "wamid.old",
      new InboundMessage("asked two days ago", "wamid.old", "text", twoDaysAgo, null).toJson(), twoDaysAgo, 0, null);
    Await.result(journal.append(killer, 0));
    Await.result(journal.append(stale, 0));
    for (int attempt = 1; attempt <= 3; attempt++) {
      Await.result(journal.markStarted(killer.processId(), attempt, attempt, now));
    }
    Await.result(journal.close());

    List<String> calls = new CopyOnWriteArrayList<>();
    EventRecorder events = EventRecorder.attach(vertx);
    OrchestratorSuite suite = Suites.start(vertx, config(3), (message, context) -> {
      calls.add(message.text());
      return AgentReply.of("ok");
    });
    try {
      assertThat(events.awaitAll(Events.MESSAGE_DEAD_LETTERED, 1)).singleElement()
        .satisfies(event -> assertThat(event.getString("processId")).isEqualTo("old-node-0-1"));
      assertThat(events.awaitAll(Events.MESSAGE_EXPIRED, 1)).singleElement()
        .satisfies(event -> assertThat(event.getString("processId")).isEqualTo("old-node-0-2"));
      // The event goes out as the outcome is handed to the journal's writer; the dead letter is readable once committed.
      Poll.until("the dead letter is listed", Duration.ofSeconds(10),
        () -> Await.result(suite.client().deadLetters(10, 0)).getJsonArray("deadLetters").size() == 1);
      assertThat(calls).isEmpty();
    } finally {
      Await.result(suite.stop());
    }
  }

  @Test
  @DisplayName("J8: finished messages are purged after max(dedupWindow, journal.retention), off the hot path; unfinished ones are kept")
  void finishedMessagesArePurged(Vertx vertx) {
    JsonObject config = config(1).put("dedupWindow", 0);
    config.getJsonObject("journal").put("retention", 0);
    CountDownLatch held = new CountDownLatch(1);
    OrchestratorSuite suite = Suites.start(vertx, config, (message, context) -> {
      if (message.text().equals("held")) {
        held.await();
      }
      return AgentReply.of("ok");
    });
    try {
      String done = Await.result(suite.client().processMessage("a", InboundMessage.text("done"))).processId();
      String waiting = Await.result(suite.client().accept("b", InboundMessage.text("held"))).processId();
      Journal journal = suite.journal();
      // The reply's delivered mark makes it purgeable; the purge runs within about a second.
      Poll.until("the finished message is purged", Duration.ofSeconds(10),
        () -> Await.result(journal.find(done)) == null);
      assertThat(Await.result(journal.find(waiting))).as("unfinished: kept").isNotNull();
    } finally {
      held.countDown();
      Await.result(suite.stop());
    }
  }
}
