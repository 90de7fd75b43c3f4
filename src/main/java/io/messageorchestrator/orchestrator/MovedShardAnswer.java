package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.core.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * Cluster mode: what a node answers, for a while, on the process address of a shard it just handed off —
 * {@code rejected / shard_moved}, which {@link ShardRouter} takes as "the owner is changing" and sends again (same
 * idempotency key) to the next owner.
 *
 * <p>Why: Vert.x delivers a clustered message to the node the sender's registry names, and a node that no longer has
 * a consumer for the address drops it without a word. Other nodes' registries learn of the shard's departure a moment
 * after it happened, so a request sent in that moment would be lost in transit: an accept-only request is tried again
 * after its 1 s try timeout, but a synchronous one ({@code processMessage}, R6) would wait for its whole answer
 * timeout. Registered before the shard's own consumer goes, and kept a few seconds after, this answer closes that
 * gap. Keep it at most {@link #KEEP_MS}, and close it before the shard runs here again.
 */
public final class MovedShardAnswer {
  /** Long enough for every node's registry to learn of the move (Hazelcast propagates it within ~1 s). */
  public static final long KEEP_MS = 10_000;

  private final MessageConsumer<Object> consumer;

  private MovedShardAnswer(Vertx vertx, int shard) {
    JsonObject moved = WireFormat.stamp(ProcessResult.rejected(null, RejectReason.SHARD_MOVED.label(),
      "shard " + shard + " moved to another node").toJson());
    this.consumer = vertx.eventBus().consumer(Addresses.shard(shard, "process"), request -> request.reply(moved));
  }

  /** Starts answering {@code shard_moved} on {@code shard}'s process address; completes once registered. */
  public static Future<MovedShardAnswer> register(Vertx vertx, int shard) {
    MovedShardAnswer answer = new MovedShardAnswer(vertx, shard);
    return answer.consumer.completion().map(answer);
  }

  /** Stops answering: {@link #KEEP_MS} after the hand-off, or when the shard comes back to this node. */
  public Future<Void> close() {
    return consumer.unregister();
  }
}
