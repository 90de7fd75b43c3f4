package io.messageorchestrator.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which member should own which shard: a pure function of the live members, the shard count and the current owners.
 *
 * <p>Contract: every member gets {@code shards / members} or one more shard (balanced ±1); of all such balanced
 * assignments it keeps the most shards where they are (a shard moves only if its owner left, or its owner has more
 * than its quota); the result depends only on the arguments (no randomness, no hash seeds), so any node computing it
 * from the same inputs gets the same answer. The same arguments in another order of {@code members} give the same
 * result (they are sorted first).
 *
 * <p>Why the current owners are an input: no function of the membership alone can be both exactly balanced and
 * minimal in what it moves (with two shards, members {a,b} and {a,c} each hold one; adding the third member must move
 * nothing, yet {a,b,c} cannot equal both). So the previous assignment is carried along ({@link ShardOwnership}
 * publishes it in the cluster and every node reads the same one).
 */
public final class ShardAssignment {
  private ShardAssignment() {
  }

  /**
   * @param members live members (any order; duplicates ignored); empty: no shard has an owner
   * @param shards  the shard count (≥ 1)
   * @param current the current owner of each shard, {@code current.get(s)} for shard {@code s}, {@code null} or a
   *                non-member for none; a shorter list (or none at all) means the missing shards have no owner
   * @return the target owner of each shard (a list of {@code shards} member ids; all {@code null} without members)
   */
  public static List<String> assign(List<String> members, int shards, List<String> current) {
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, not " + shards);
    }
    List<String> sorted = members.stream().distinct().sorted().toList();
    String[] target = new String[shards];
    if (sorted.isEmpty()) {
      return Collections.unmodifiableList(Arrays.asList(target));
    }
    Set<String> live = new HashSet<>(sorted);
    Map<String, List<Integer>> held = new HashMap<>();
    sorted.forEach(member -> held.put(member, new ArrayList<>()));
    for (int shard = 0; shard < shards; shard++) {
      String owner = current == null || shard >= current.size() ? null : current.get(shard);
      if (owner != null && live.contains(owner)) {
        held.get(owner).add(shard); // ascending: the lowest-numbered shards are the ones kept
      }
    }
    // The members that hold the most get the extra shards: that keeps the most shards in place.
    int base = shards / sorted.size();
    int extra = shards % sorted.size();
    List<String> byHoldings = new ArrayList<>(sorted);
    byHoldings.sort(Comparator.comparingInt((String member) -> held.get(member).size()).reversed()
      .thenComparing(Comparator.naturalOrder()));
    Map<String, Integer> quota = new HashMap<>();
    for (int i = 0; i < byHoldings.size(); i++) {
      quota.put(byHoldings.get(i), base + (i < extra ? 1 : 0));
    }
    for (String member : sorted) {
      List<Integer> kept = held.get(member);
      for (int i = 0; i < Math.min(kept.size(), quota.get(member)); i++) {
        target[kept.get(i)] = member;
      }
    }
    // The rest, in shard order, to the members below quota, in member order, one at a time (round robin): a joining
    // member's share comes from every member that has too many.
    List<String> belowQuota = new ArrayList<>();
    Map<String, Integer> missing = new HashMap<>();
    for (String member : sorted) {
      int gap = quota.get(member) - Math.min(held.get(member).size(), quota.get(member));
      if (gap > 0) {
        belowQuota.add(member);
        missing.put(member, gap);
      }
    }
    int next = 0;
    for (int shard = 0; shard < shards; shard++) {
      if (target[shard] != null) {
        continue;
      }
      while (missing.get(belowQuota.get(next % belowQuota.size())) == 0) {
        next++;
      }
      String member = belowQuota.get(next % belowQuota.size());
      target[shard] = member;
      missing.merge(member, -1, Integer::sum);
      next++;
    }
    return Collections.unmodifiableList(Arrays.asList(target));
  }
}
