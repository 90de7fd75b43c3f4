package io.messageorchestrator.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The assignment the cluster follows, published by its coordinator ({@link ShardOwnership}): for each shard the node
 * that should own it ({@code null}: none), computed by {@link ShardAssignment} for {@code members}.
 *
 * @param version one more than the plan it replaced
 * @param members the members it was computed for (sorted; leaving members excluded)
 * @param owners  the target owner of each shard, one entry per shard
 */
public record ShardPlan(long version, List<String> members, List<String> owners) {

  public ShardPlan {
    members = List.copyOf(members);
    owners = Collections.unmodifiableList(new ArrayList<>(owners)); // null entries allowed
  }

  public int shards() {
    return owners.size();
  }

  /** The target owner of {@code shard}, or {@code null}. */
  public String owner(int shard) {
    return owners.get(shard);
  }

  String encode() {
    JsonArray ownerArray = new JsonArray();
    owners.forEach(ownerArray::add);
    return new JsonObject().put("version", version).put("members", new JsonArray(new ArrayList<>(members)))
      .put("owners", ownerArray).encode();
  }

  static ShardPlan decode(String json) {
    if (json == null) {
      return null;
    }
    JsonObject value = new JsonObject(json);
    List<String> owners = new ArrayList<>();
    value.getJsonArray("owners").forEach(owner -> owners.add((String) owner));
    List<String> members = new ArrayList<>();
    value.getJsonArray("members").forEach(member -> members.add((String) member));
    return new ShardPlan(value.getLong("version"), members, owners);
  }
}
