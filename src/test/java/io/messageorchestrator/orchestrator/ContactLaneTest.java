package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** H8: a waiting message's position comes from line numbers, not from a scan of the queue. */
class ContactLaneTest {

  @Test
  @DisplayName("positions stay right through enqueue, poll (start), poll of the oldest (dropOldest) and a refilled line")
  void positions() {
    ContactLane lane = new ContactLane("c");
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
  @DisplayName("positions of a 300,000-message line cost O(1) each (a scan would be ~4.5e10 steps: minutes)")
  void positionIsConstantTime() {
    ContactLane lane = new ContactLane("hot");
    int count = 300_000;
    Pending[] pendings = new Pending[count];
    for (int i = 0; i < count; i++) {
      pendings[i] = pending(i);
    }
    // The margin is three orders of magnitude: O(1) positions take milliseconds, a scan many minutes.
    long positions = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      long sum = 0;
      for (Pending pending : pendings) {
        lane.enqueue(pending); // as accept does: enqueue, then ask for the position
        sum += lane.positionOf(pending);
      }
      return sum;
    });
    assertThat(positions).isEqualTo((long) count * (count + 1) / 2);
  }

  private static Pending pending(int i) {
    InboundMessage message = InboundMessage.text("m" + i);
    return new Pending("p" + i, "c", message, new JsonObject(), 0, null);
  }
}
