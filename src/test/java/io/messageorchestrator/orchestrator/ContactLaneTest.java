package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** H8: a waiting message's position comes from line numbers, not from a scan of the queue. */
class ContactLaneTest {

  @Test
  @DisplayName("positions stay right through enqueue, poll (start), poll of the oldest (dropOldest) and a refilled line")
  void positions() {
    ContactLane lane = new ContactLane("c", "default", "c");
    List<Pending> pendings = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Pending pending = pending(i);
      lane.enqueue(pending);
      pendings.add(pending);
      assertThat(lane.positionOf(pending)).isEqualTo(i + 1);
    }
    assertThat(lane.pollQueue()).isSameAs(pendings.get(0)); // the first starts
    assertThat(lane.positionOf(pendings.get(0))).isZero();
    assertThat(lane.positionOf(pendings.get(1))).isEqualTo(1);
    assertThat(lane.positionOf(pendings.get(4))).isEqualTo(4);

    assertThat(lane.pollQueue()).isSameAs(pendings.get(1)); // dropOldest takes the oldest too
    Pending newest = pending(5);
    lane.enqueue(newest);
    assertThat(pendings.subList(2, 5)).extracting(lane::positionOf).containsExactly(1, 2, 3);
    assertThat(lane.positionOf(newest)).isEqualTo(4);

    while (lane.pollQueue() != null) {
      // empty the line
    }
    assertThat(lane.positionOf(newest)).isZero();
    Pending afterRefill = pending(6);
    lane.enqueue(afterRefill);
    assertThat(lane.positionOf(afterRefill)).isEqualTo(1);
    assertThat(lane.positionOf(pendings.get(4))).isZero(); // left the earlier line: never "waiting" again
  }

  @Test
  @DisplayName("a position is read from the message's own line number: no scan of the line, no renumbering when the head leaves")
  void positionIsConstantTime() {
    // Deterministic rather than timed: O(1) means positionOf reads two numbers, and leaving the head touches no
    // other message. A scan would ignore the line number the message carries; renumbering would change it.
    ContactLane lane = new ContactLane("hot", "default", "hot");
    int count = 10_000;
    Pending[] pendings = new Pending[count];
    for (int i = 0; i < count; i++) {
      pendings[i] = pending(i);
      lane.enqueue(pendings[i]);
      assertThat(lane.positionOf(pendings[i])).isEqualTo(i + 1);
    }
    for (int i = 0; i < 100; i++) {
      lane.pollQueue();
    }
    for (int i = 100; i < count; i++) {
      assertThat(pendings[i].lineNumber).as("numbered once, at enqueue").isEqualTo(i + 1);
      assertThat(lane.positionOf(pendings[i])).isEqualTo(i + 1 - 100);
    }

    Pending last = pendings[count - 1];
    last.lineNumber = 101; // as if it were right behind the head: the answer follows the number, not a search
    assertThat(lane.positionOf(last)).isEqualTo(1);
  }

  private static Pending pending(int i) {
    InboundMessage message = InboundMessage.text("m" + i);
    return new Pending("p" + i, "default", "c", message, new JsonObject(), 0, null);
  }
}
