package io.messageorchestrator.orchestrator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** A shard's statistics lists: capped at {@code statsListLimit}, picked without sorting every busy contact. */
class ShardReportsTest {

  @Test
  @DisplayName("activeContacts: the oldest leases first; queueDetails: the longest queues first; both capped; counts exact")
  void cappedListsInOrder() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0).put("maxConcurrentContacts", 100));
    for (int contact = 0; contact < 6; contact++) {
      shard.send("c" + contact, "hang");
      shard.advance(10); // c0 holds the oldest lease
      for (int waiting = 0; waiting < (contact * 5) % 6; waiting++) { // queue sizes 0, 5, 4, 3, 2, 1
        shard.send("c" + contact, "waits");
      }
    }

    JsonObject stats = ShardReports.stats(shard.machine, shard.intake, 0, 3);

    assertThat(ids(stats.getJsonArray("activeContacts"))).containsExactly("c0", "c1", "c2");
    assertThat(stats.getJsonArray("queueDetails").stream().map(e -> ((JsonObject) e).getInteger("queueSize")))
      .containsExactly(5, 4, 3);
    assertThat(stats.getInteger("activeContactCount")).isEqualTo(6);
    assertThat(stats.getInteger("contactsWithQueues")).isEqualTo(5);
    assertThat(ShardReports.stats(shard.machine, shard.intake, 0, 0).getJsonArray("queueDetails")).isEmpty();
  }

  @Test
  @DisplayName("Top keeps the first n of many in order, whatever the arrival order")
  void top() {
    ShardReports.Top<Integer> top = new ShardReports.Top<>(4, Comparator.<Integer>naturalOrder());
    IntStream.of(9, 3, 7, 1, 8, 2, 6, 0, 5, 4).forEach(top::offer);
    assertThat(top.inOrder()).containsExactly(0, 1, 2, 3);
  }

  private static List<String> ids(JsonArray list) {
    return list.stream().map(e -> ((JsonObject) e).getString("contactId")).toList();
  }
}
