package io.messageorchestrator.orchestrator;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
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

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** H12 (R11): once the shutdown grace period has ended, no shard starts another agent call. */
@ExtendWith(VertxExtension.class)
class GraceEndTest {
  private static final JsonObject ONE_PERMIT = new JsonObject().put("maxConcurrentContacts", 1).put("lockTimeout", 0);

  @Test
  @DisplayName("the permit a discarding shard frees does not start the contact waiting on another shard")
  void discardingShardFeedsNoOne() {
    GlobalConcurrencyLimit limit = new GlobalConcurrencyLimit(1);
    PlainShard first = new PlainShard(ONE_PERMIT, limit, 0, 2);
    PlainShard second = new PlainShard(ONE_PERMIT, limit, 1, 2);
    AtomicReference<ProcessResult> running = first.send("a", "hang");
    AtomicReference<ProcessResult> waiting = second.send("b", "waits for the permit");
    first.machine.stopAccepting(() -> { });
    second.machine.stopAccepting(() -> { });

    first.machine.endGracePeriod(); // the first shard's grace timer fires ...
    first.machine.discardEverything();
    second.runContext();            // ... and before the second one's, its context runs whatever it was handed
    assertThat(second.agentCalls).isEmpty();
    second.machine.endGracePeriod();
    second.machine.discardEverything();

    assertThat(running.get().reason()).isEqualTo("shutting_down");
    assertThat(waiting.get().status()).isEqualTo(ProcessResult.Status.QUEUED); // lockTimeout 0: told at once
    assertThat(second.events(Events.LOCK_ACQUIRED)).isEmpty();
    assertThat(second.events(Events.MESSAGE_DISCARDED)).hasSize(1);
  }

  @Test
  @DisplayName("a grant already on its way when the grace period ends is refused by the shard it reaches")
  void grantInFlightIsRefused() {
    GlobalConcurrencyLimit limit = new GlobalConcurrencyLimit(1);
    PlainShard first = new PlainShard(ONE_PERMIT, limit, 0, 2);
    PlainShard second = new PlainShard(ONE_PERMIT, limit, 1, 2);
    first.send("a", "quick");
    second.send("b", "waits for the permit");
    first.reply("a", "done"); // the permit is handed to the second shard's context, not yet run

    first.machine.endGracePeriod();
    second.runContext();

    assertThat(second.agentCalls).isEmpty();
    assertThat(second.machine.discardEverything().getInteger("messagesDropped")).isEqualTo(1);
  }

  @Test
  @DisplayName("durable journal: an attempt failing on a shard after another shard ended the grace period is not dead-lettered; it stays journaled for the next start")
  void durableFailureAfterAnotherShardsGraceEndIsKept() {
    HeldJournal journal = new HeldJournal();
    GlobalConcurrencyLimit limit = new GlobalConcurrencyLimit(2);
    JsonObject threeAttempts = ONE_PERMIT.copy().put("retry", new JsonObject().put("maxAttempts", 3));
    PlainShard first = new PlainShard(threeAttempts, limit, 0, 2, journal);
    PlainShard second = new PlainShard(threeAttempts, limit, 1, 2, journal);
    second.send("b", "fails once");
    journal.commitNext();
    first.machine.stopAccepting(() -> { });
    second.machine.stopAccepting(() -> { });

    first.machine.endGracePeriod(); // the first shard's grace timer fires first: the permit line is closed
    first.machine.discardEverything();
    second.reply(second.callOf("b"), AgentOutcome.error("agent down")); // attempt 1 of 3 fails meanwhile

    assertThat(second.events(Events.MESSAGE_DEAD_LETTERED)).as("attempts were left").isEmpty();
    assertThat(second.events(Events.MESSAGE_PROCESSED)).isEmpty();
    second.machine.endGracePeriod();
    assertThat(second.machine.discardEverything().getInteger("messagesKept")).isEqualTo(1);
    assertThat(Await.result(journal.recover()).unfinished()).as("runs again at the next start").hasSize(1);
  }

  @Test
  @DisplayName("contacts flooding three shards behind 2 permits: at grace end only the 2 running calls ever started, every message ends once")
  void noCallStartsAfterGrace(Vertx vertx) {
    TestAgent agent = new TestAgent();
    OrchestratorSuite suite = Suites.start(vertx, new JsonObject().put("shards", 3).put("maxConcurrentContacts", 2)
      .put("lockTimeout", 0).put("shutdownGracePeriod", 300), agent);
    EventRecorder events = EventRecorder.attach(vertx);
    int contacts = 30;
    List<Future<ProcessResult>> answers = new ArrayList<>();
    for (int i = 0; i < contacts; i++) {
      answers.add(suite.client().processMessage("flood-" + i, InboundMessage.text("hang")));
    }
    events.awaitAll(Events.LOCK_ACQUIRED, 2);
    events.awaitAll(Events.MESSAGE_QUEUED, contacts - 2); // every message accepted before the shutdown begins

    JsonObject cleanup = Await.result(suite.stop());

    List<JsonObject> discarded = events.awaitAll(Events.MESSAGE_DISCARDED, contacts);
    Set<String> ended = new HashSet<>();
    discarded.forEach(event -> assertThat(ended.add(event.getString("processId"))).isTrue());
    assertThat(ended).hasSize(contacts);
    assertThat(events.all(Events.LOCK_ACQUIRED)).hasSize(2);
    assertThat(events.all(Events.MESSAGE_PROCESSED)).isEmpty();
    assertThat(cleanup.getInteger("locksReleased")).isEqualTo(2);
    assertThat(cleanup.getInteger("messagesDropped")).isEqualTo(contacts);
    assertThat(answers).extracting(answer -> Await.result(answer).status())
      .containsOnly(ProcessResult.Status.QUEUED, ProcessResult.Status.REJECTED); // the 2 running: shutting_down
  }
}
