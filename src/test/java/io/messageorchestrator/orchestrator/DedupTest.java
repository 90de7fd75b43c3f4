package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.ManualClock;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


import static org.assertj.core.api.Assertions.assertThat;

/** R10: a redelivered message id is processed once; only accepted messages count as seen. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class DedupTest {

  @Test
  @DisplayName("the same messageId for the same contact is answered duplicate and not processed again")
  void duplicateIgnored(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    ProcessResult first = Await.result(suite.client().processMessage("d", InboundMessage.text("hi", "wamid.1")));
    ProcessResult again = Await.result(suite.client().processMessage("d", InboundMessage.text("hi", "wamid.1")));
    ProcessResult otherContact = Await.result(suite.client().processMessage("e", InboundMessage.text("hi", "wamid.1")));

    assertThat(first.status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(again.status()).isEqualTo(ProcessResult.Status.DUPLICATE);
    assertThat(again.duplicate()).isTrue();
    assertThat(otherContact.status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(agent.startedFor("d")).hasSize(1);
    assertThat(events.awaitAll(Events.DUPLICATE_IGNORED, 1).get(0).getString("messageId")).isEqualTo("wamid.1");
    assertThat(Await.result(suite.client().getStats()).getLong("totalDuplicates")).isEqualTo(1);
  }

  @Test
  @DisplayName("a duplicate of a message still in flight is recognised")
  void duplicateWhileInFlight(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("f", new InboundMessage("block:f", "id-7", "text", 0, null));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    ProcessResult again = Await.result(suite.client().processMessage("f",
      new InboundMessage("block:f", "id-7", "text", 0, null)));

    assertThat(again.duplicate()).isTrue();
    agent.open("f");
  }

  @Test
  @DisplayName("a rejected message is not marked as seen, so the provider's retry is accepted")
  @SuiteConfig({"maxQueueSize=1", "lockTimeout=0"})
  void rejectedMayBeRetried(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("g", InboundMessage.text("block:g", "m1"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    assertThat(Await.result(suite.client().processMessage("g", InboundMessage.text("two", "m2"))).queued()).isTrue();
    ProcessResult refused = Await.result(suite.client().processMessage("g", InboundMessage.text("three", "m3")));
    assertThat(refused.reason()).isEqualTo("queue_full");

    agent.open("g");
    events.awaitAll(Events.MESSAGE_PROCESSED, 2);
    ProcessResult retried = Await.result(suite.client().processMessage("g", InboundMessage.text("three", "m3")));
    assertThat(retried.status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(retried.response()).isEqualTo("re:three");
  }

  @Test
  @DisplayName("after dedupWindow the same id is processed again")
  @SuiteConfig("dedupWindow=1000")
  void windowExpires(OrchestratorSuite suite, ManualClock clock) {
    Await.result(suite.client().processMessage("h", InboundMessage.text("x", "same")));
    assertThat(Await.result(suite.client().processMessage("h", InboundMessage.text("x", "same"))).duplicate()).isTrue();
    clock.advance(1_001);
    assertThat(Await.result(suite.client().processMessage("h", InboundMessage.text("x", "same"))).status())
      .isEqualTo(ProcessResult.Status.PROCESSED);
  }

  @Test
  @DisplayName("dedupWindow 0 turns deduplication off: every delivery of an id is processed, none is a duplicate")
  @SuiteConfig({"dedupWindow=0", "shards=1"})
  void windowZeroDisables(OrchestratorSuite suite, TestAgent agent, EventRecorder events, ManualClock frozen) {
    // A clock that never moves: all three deliveries happen at the same instant, inside any window but 0.
    for (int i = 0; i < 3; i++) {
      ProcessResult result = Await.result(suite.client().processMessage("z", InboundMessage.text("x" + i, "same")));
      assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
      assertThat(result.duplicate()).isFalse();
    }

    assertThat(agent.startedFor("z")).containsExactly("x0", "x1", "x2");
    assertThat(events.all(Events.DUPLICATE_IGNORED)).isEmpty();
    assertThat(Await.result(suite.client().getStats()).getLong("totalDuplicates")).isZero();
  }

  @Test
  @DisplayName("the dedup memory is bounded by dedupMaxEntries: the oldest ids are forgotten first")
  @SuiteConfig({"shards=1", "dedupMaxEntries=3"})
  void boundedEntries(OrchestratorSuite suite) {
    for (int i = 1; i <= 4; i++) {
      Await.result(suite.client().processMessage("i", InboundMessage.text("x", "id-" + i)));
    }
    assertThat(Await.result(suite.client().processMessage("i", InboundMessage.text("x", "id-4"))).duplicate()).isTrue();
    assertThat(Await.result(suite.client().processMessage("i", InboundMessage.text("x", "id-1"))).duplicate()).isFalse();
  }

  @Test
  @DisplayName("a message dropped unprocessed (dropOldest) is forgotten, so its redelivery is processed")
  @SuiteConfig({"maxQueueSize=1", "lockTimeout=0", "queueOverflow=dropOldest"})
  void droppedMayBeRedelivered(OrchestratorSuite suite, TestAgent agent, EventRecorder events) {
    suite.client().processMessage("j", InboundMessage.text("block:j", "m1"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage("j", InboundMessage.text("two", "m2")));
    Await.result(suite.client().processMessage("j", InboundMessage.text("three", "m3")));
    assertThat(events.awaitAll(Events.MESSAGE_DROPPED, 1).get(0).getJsonObject("message").getString("messageId"))
      .isEqualTo("m2");

    agent.open("j");
    events.awaitAll(Events.MESSAGE_PROCESSED, 2);
    ProcessResult redelivered = Await.result(suite.client().processMessage("j", InboundMessage.text("two", "m2")));
    assertThat(redelivered.status()).isEqualTo(ProcessResult.Status.PROCESSED);
    assertThat(redelivered.response()).isEqualTo("re:two");
  }
}
