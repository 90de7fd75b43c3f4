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
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** R7 stale-lease sweep and R8 emergency unlock: the safety nets release leases and let queued work resume. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class RecoveryTest {

  @Test
  @DisplayName("the deadlock sweep releases a lease older than processingTimeout + grace and the queue resumes")
  @SuiteConfig({"processingTimeout=60000", "lockTimeout=0"})
  void staleLeaseReleased(OrchestratorSuite suite, EventRecorder events, ManualClock clock) {
    // Timers use real time, so a 60 s processingTimeout never fires here: only the sweep can free the lease.

    Future<ProcessResult> stuck = suite.client().processMessage("z", InboundMessage.text("hang"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage("z", InboundMessage.text("waiting")));

    assertThat(Await.result(suite.client().detectAndResolveDeadlocks())).isZero();
    clock.advance(60_000 + ShardVerticle.STALE_LEASE_GRACE_MS + 1);
    assertThat(Await.result(suite.client().detectAndResolveDeadlocks())).isEqualTo(1);

    JsonObject resolved = events.awaitAll(Events.DEADLOCKS_RESOLVED, 1).get(0);
    assertThat(resolved.getInteger("count")).isEqualTo(1);
    assertThat(resolved.getLong("timestamp")).isPositive();
    assertThat(Await.result(stuck).status()).isEqualTo(ProcessResult.Status.TIMED_OUT);
    JsonObject next = events.awaitFirst(Events.MESSAGE_PROCESSED, e -> e.getString("response").equals("re:waiting"));
    assertThat(next.getString("outcome")).isEqualTo("processed");
    assertThat(Await.result(suite.client().getStats()).getLong("totalDeadlocks")).isEqualTo(1);
  }

  @Test
  @DisplayName("the sweep runs by itself every deadlockCheckInterval")
  @SuiteConfig({"processingTimeout=60000", "deadlockCheckInterval=50", "shards=1"})
  void periodicSweep(OrchestratorSuite suite, EventRecorder events, ManualClock clock) {
    suite.client().processMessage("p", InboundMessage.text("hang"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);

    clock.advance(120_000);

    assertThat(events.awaitAll(Events.DEADLOCKS_RESOLVED, 1).get(0).getInteger("count")).isEqualTo(1);
  }

  @Test
  @DisplayName("emergencyUnlock(contact) releases the lease (1), emits lockReleased, and the contact's queue resumes")
  @SuiteConfig("lockTimeout=0")
  void unlockOneContact(OrchestratorSuite suite, EventRecorder events) {
    Future<ProcessResult> stuck = suite.client().processMessage("u", InboundMessage.text("hang"));
    events.awaitAll(Events.LOCK_ACQUIRED, 1);
    Await.result(suite.client().processMessage("u", InboundMessage.text("queued-1")));
    Await.result(suite.client().processMessage("u", InboundMessage.text("queued-2")));
    assertThat(Await.result(suite.client().isContactLocked("u"))).isTrue();

    assertThat(Await.result(suite.client().emergencyUnlock("u"))).isEqualTo(1);

    assertThat(events.awaitFirst(Events.LOCK_RELEASED, e -> e.getString("contactId").equals("u"))
      .getString("processId")).isEqualTo(Await.result(stuck).processId());
    assertThat(Await.result(stuck).status()).isEqualTo(ProcessResult.Status.FAILED);
    assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 3)).extracting(e -> e.getString("response"))
      .containsExactly("Sorry, I could not process your message right now. Please try again in a moment.",
        "re:queued-1", "re:queued-2");
    assertThat(Await.result(suite.client().emergencyUnlock("u"))).isZero();
    assertThat(Await.result(suite.client().emergencyUnlock("nobody"))).isZero();
  }

  @Test
  @DisplayName("emergencyUnlock() releases every lease of every shard and returns how many")
  void unlockAll(OrchestratorSuite suite, EventRecorder events) {
    List<String> contacts = List.of("k1", "k2", "k3", "k4", "k5");
    contacts.forEach(contact -> suite.client().processMessage(contact, InboundMessage.text("hang")));
    events.awaitAll(Events.LOCK_ACQUIRED, contacts.size());

    assertThat(Await.result(suite.client().emergencyUnlock())).isEqualTo(5);

    assertThat(events.awaitAll(Events.LOCK_RELEASED, 5)).extracting(e -> e.getString("contactId"))
      .containsExactlyInAnyOrderElementsOf(contacts);
    for (String contact : contacts) {
      assertThat(Await.result(suite.client().isContactLocked(contact))).isFalse();
    }
    assertThat(Await.result(suite.client().emergencyUnlock())).isZero();
  }
}
