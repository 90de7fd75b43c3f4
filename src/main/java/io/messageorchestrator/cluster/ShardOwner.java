package io.messageorchestrator.cluster;

import io.vertx.core.json.JsonObject;

/**
 * A shard's owner as the cluster's directory records it: the Vert.x node id that runs it and its ownership epoch.
 */
public record ShardOwner(String nodeId, long epoch) {

  String encode() {
    return new JsonObject().put("node", nodeId).put("epoch", epoch).encode();
  }

  static ShardOwner decode(String json) {
    if (json == null) {
      return null;
    }
    JsonObject value = new JsonObject(json);
    return new ShardOwner(value.getString("node"), value.getLong("epoch"));
  }
}
