package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.messageorchestrator.support.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** R5 on one timer per shard: every lease expires once, at or after its own deadline, unless it ended first. */
@ExtendWith(VertxExtension.class)
class LeaseDeadlinesTest {
  private static final long TIMEOUT_MS = 60;

  @Test
  @DisplayName("leases expire in deadline order, none early; ended leases never expire; the timer re-arms for later leases")
  void expiresDueLeasesOnly(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    List<String> expired = new ArrayList<>();
    List<Long> lateness = new ArrayList<>();
    Promise<Void> firstBatchDone = Promise.promise();
    Promise<Void> secondBatchDone = Promise.promise();
    LeaseDeadlines[] deadlines = new LeaseDeadlines[1];
    Lease[] leases = new Lease[5];
    context.runOnContext(v -> {
      deadlines[0] = new LeaseDeadlines(vertx, TIMEOUT_MS, lease -> {
        expired.add(lease.pending.processId);
        lateness.add(System.nanoTime() - lease.deadlineNanos);
        if (expired.size() == 2) {
          firstBatchDone.complete();
        } else if (expired.size() == 3) {
          secondBatchDone.complete();
        }
      });
      for (int i = 0; i < 4; i++) {
        leases[i] = lease("p" + i);
        deadlines[0].add(leases[i]);
      }
      deadlines[0].remove(leases[0]); // the oldest ends first: the timer armed for it must still serve the others
      deadlines[0].remove(leases[2]); // one in the middle
      deadlines[0].remove(leases[2]); // twice: a no-op
    });
    Await.result(firstBatchDone.future());
    assertThat(expired).containsExactly("p1", "p3");

    context.runOnContext(v -> {
      leases[4] = lease("p4"); // added to an empty list, after the timer went quiet
      deadlines[0].add(leases[4]);
      deadlines[0].remove(leases[1]); // already expired: a no-op
    });
    Await.result(secondBatchDone.future());
    assertThat(expired).containsExactly("p1", "p3", "p4");
    assertThat(lateness).allSatisfy(late -> assertThat(late).isGreaterThanOrEqualTo(0L));
    assertThat(leases).allSatisfy(lease -> assertThat(lease.awaitingDeadline).isFalse());
  }

  @Test
  @DisplayName("a lease added while an older one waits expires after its own full timeout, not at the older deadline")
  void laterLeaseGetsItsFullTimeout(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    Promise<Long> secondExpiredAfterMs = Promise.promise();
    long[] secondAddedAt = new long[1];
    context.runOnContext(v -> {
      LeaseDeadlines deadlines = new LeaseDeadlines(vertx, TIMEOUT_MS, lease -> {
        if (lease.pending.processId.equals("second")) {
          secondExpiredAfterMs.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - secondAddedAt[0]));
        }
      });
      deadlines.add(lease("first"));
      vertx.setTimer(TIMEOUT_MS / 2, id -> {
        secondAddedAt[0] = System.nanoTime();
        deadlines.add(lease("second"));
      });
    });
    assertThat(Await.result(secondExpiredAfterMs.future())).isGreaterThanOrEqualTo(TIMEOUT_MS);
  }

  @Test
  @DisplayName("an expiry may start and end other leases (as a shard's timeout does): they are honoured at once")
  void expiryMayChangeTheList(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    List<String> expired = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      LeaseDeadlines[] deadlines = new LeaseDeadlines[1];
      Lease c = lease("c");
      deadlines[0] = new LeaseDeadlines(vertx, TIMEOUT_MS, lease -> {
        expired.add(lease.pending.processId);
        if (lease.pending.processId.equals("a")) {
          deadlines[0].remove(c);            // ended by a's timeout: must never expire
          deadlines[0].add(lease("d"));      // the next message of a's lane: its own full timeout
        } else if (lease.pending.processId.equals("d")) {
          done.complete();
        }
      });
      deadlines[0].add(lease("a"));
      deadlines[0].add(lease("b"));
      deadlines[0].add(c);
    });
    Await.result(done.future());
    assertThat(expired).containsExactly("a", "b", "d");
  }

  @Test
  @DisplayName("a failing expiry does not strand the other leases that share the timer")
  void failingExpiryDoesNotStrandOthers(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    Promise<String> second = Promise.promise();
    context.runOnContext(v -> {
      LeaseDeadlines deadlines = new LeaseDeadlines(vertx, TIMEOUT_MS, lease -> {
        if (lease.pending.processId.equals("first")) {
          throw new IllegalStateException("boom");
        }
        second.complete(lease.pending.processId);
      });
      deadlines.add(lease("first"));
      deadlines.add(lease("second"));
    });
    assertThat(Await.result(second.future())).isEqualTo("second");
  }

  private static Lease lease(String processId) {
    ContactLane lane = new ContactLane("c-" + processId, "default", "c-" + processId);
    Pending pending = new Pending(processId, "default", lane.contactId, InboundMessage.text("hi"), null, 0, null);
    return new Lease(lane, pending, 1, 0);
  }
}
