package io.messageorchestrator.cluster;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The target assignment: balanced ±1, minimal movement, deterministic. Properties are checked over thousands of
 * membership histories drawn from a seeded random (the same ones on every run).
 */
@DisplayName("ShardAssignment")
class ShardAssignmentTest {

  private static Map<String, Integer> counts(List<String> owners) {
    Map<String, Integer> counts = new HashMap<>();
    owners.forEach(owner -> counts.merge(owner, 1, Integer::sum));
    return counts;
  }

  private static int moved(List<String> before, List<String> after) {
    int moved = 0;
    for (int s = 0; s < after.size(); s++) {
      if (before == null || s >= before.size() || !after.get(s).equals(before.get(s))) {
        moved++;
      }
    }
    return moved;
  }

  /**
   * The fewest shards any balanced assignment must move, computed apart from the implementation: each member can
   * keep up to {@code base} of the shards it holds, and {@code extra} members one more, if they hold more than base.
   */
  private static int fewestMoves(List<String> members, int shards, List<String> current) {
    int base = shards / members.size();
    int extra = shards % members.size();
    int keep = 0;
    int aboveBase = 0;
    for (String member : members) {
      int held = current == null ? 0 : (int) current.stream().filter(member::equals).count();
      keep += Math.min(held, base);
      if (held > base) {
        aboveBase++;
      }
    }
    return shards - keep - Math.min(extra, aboveBase);
  }

  private static void assertBalanced(List<String> members, int shards, List<String> owners) {
    assertThat(owners).hasSize(shards).doesNotContainNull();
    assertThat(members).containsAll(owners);
    Map<String, Integer> counts = counts(owners);
    int base = shards / members.size();
    for (String member : members) {
      assertThat(counts.getOrDefault(member, 0)).as("shards of %s among %s", member, members)
        .isBetween(base, base + 1);
    }
  }

  @Test
  @DisplayName("three members, 64 shards: 22, 21, 21, every shard owned; no members: no owners")
  void firstAssignment() {
    List<String> owners = ShardAssignment.assign(List.of("b", "a", "c"), 64, List.of());
    assertBalanced(List.of("a", "b", "c"), 64, owners);
    assertThat(counts(owners).values()).containsExactlyInAnyOrder(22, 21, 21);
    assertThat(ShardAssignment.assign(List.of(), 4, List.of("a", "b", "c", "d")))
      .containsExactly(null, null, null, null);
    assertThat(ShardAssignment.assign(List.of("a"), 1, null)).containsExactly("a");
    assertThatThrownBy(() -> ShardAssignment.assign(List.of("a"), 0, null))
      .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("a member joining receives its share from the others and nothing else moves; a member leaving gives"
    + " only its shards away")
  void joinAndLeaveMoveOnlyWhatMust() {
    List<String> three = ShardAssignment.assign(List.of("a", "b", "c"), 64, null);
    List<String> four = ShardAssignment.assign(List.of("a", "b", "c", "d"), 64, three);
    assertBalanced(List.of("a", "b", "c", "d"), 64, four);
    assertThat(moved(three, four)).isEqualTo(16);
    for (int s = 0; s < 64; s++) {
      assertThat(four.get(s)).as("shard %d moved only to the new member", s).isIn(three.get(s), "d");
    }
    List<String> withoutB = ShardAssignment.assign(List.of("a", "c", "d"), 64, four);
    assertBalanced(List.of("a", "c", "d"), 64, withoutB);
    for (int s = 0; s < 64; s++) {
      if (!four.get(s).equals("b")) {
        assertThat(withoutB.get(s)).as("shard %d of a survivor stays", s).isEqualTo(four.get(s));
      }
    }
  }

  @Test
  @DisplayName("more members than shards: each shard has one owner, no member has two")
  void moreMembersThanShards() {
    List<String> members = List.of("a", "b", "c", "d", "e");
    List<String> owners = ShardAssignment.assign(members, 3, null);
    assertBalanced(members, 3, owners);
    assertThat(owners).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("property: over 3,000 random histories of joins and leaves (1..12 members, 1..130 shards), every"
    + " step is balanced ±1, moves exactly the fewest shards possible, only to members below their share, and is the"
    + " same whatever the order of the member list")
  void propertiesOverRandomHistories() {
    Random random = new Random(20261201);
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      pool.add("node-" + Integer.toHexString(random.nextInt()));
    }
    for (int history = 0; history < 3_000; history++) {
      int shards = 1 + random.nextInt(130);
      List<String> members = new ArrayList<>(pool.subList(0, 1 + random.nextInt(4)));
      List<String> owners = null;
      for (int step = 0; step < 6; step++) {
        List<String> next = ShardAssignment.assign(members, shards, owners);
        assertBalanced(members, shards, next);
        assertThat(moved(owners, next)).as("moves for %s, %d shards, from %s", members, shards, owners)
          .isEqualTo(fewestMoves(members, shards, owners));
        List<String> shuffled = new ArrayList<>(members);
        Collections.shuffle(shuffled, random);
        assertThat(ShardAssignment.assign(shuffled, shards, owners)).isEqualTo(next);
        if (owners != null) {
          // A shard that moves goes to a member that held fewer than its share or had none: never between two
          // members that both keep a full share.
          Map<String, Integer> before = counts(owners);
          for (int s = 0; s < shards; s++) {
            if (!next.get(s).equals(owners.get(s))) {
              assertThat(before.getOrDefault(next.get(s), 0)).isLessThanOrEqualTo(counts(next).get(next.get(s)));
            }
          }
        }
        owners = next;
        // Next step: a member joins, leaves, or a new member replaces one.
        int change = random.nextInt(3);
        List<String> outside = new ArrayList<>(pool);
        outside.removeAll(members);
        if ((change == 0 || members.size() == 1) && members.size() < 12) {
          members.add(outside.get(random.nextInt(outside.size())));
        } else if (change == 1 && members.size() > 1) {
          members.remove(random.nextInt(members.size()));
        } else {
          members.set(random.nextInt(members.size()), outside.get(random.nextInt(outside.size())));
        }
      }
    }
  }

  @Test
  @DisplayName("owners that are not members, and a list shorter than the shard count, count as no owner")
  void strangersAndMissingAreUnowned() {
    List<String> owners = ShardAssignment.assign(List.of("a", "b"), 4, Arrays.asList("x", "b", null));
    assertBalanced(List.of("a", "b"), 4, owners);
    assertThat(owners.get(1)).isEqualTo("b");
    assertThat(owners).as("b keeps 1, then round robin from a").containsExactly("a", "b", "b", "a");
  }
}
