package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.ProcessRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * Cluster mode: this node's entry point for {@code orchestrator.process}. On a single node shard 0 serves that address;
 * in a cluster shard 0 lives on one node and moves, so every node serves it here (the clustered bus spreads senders'
 * requests over the nodes) and routes each request to the owner of its conversation's shard. A conversation's order
 * is its acceptance order at that owner (K3).
 */
public final class ProcessEntryVerticle extends VerticleBase {
  private final int shardCount;
  private final long maxAnswerDelay;
  private ShardRouter router;

  public ProcessEntryVerticle(int shardCount, long maxAnswerDelay) {
    this.shardCount = shardCount;
    this.maxAnswerDelay = maxAnswerDelay;
  }

  @Override
  public Future<?> start() {
    router = new ShardRouter(vertx, shardCount, maxAnswerDelay);
    return vertx.eventBus().<Object>consumer(Addresses.PROCESS, this::onProcess).completion();
  }

  private void onProcess(Message<Object> request) {
    ProcessRequest process;
    try {
      process = ProcessRequests.parse(request.body());
    } catch (InvalidRequestException e) {
      request.fail(400, e.getMessage());
      return;
    }
    router.forward(process, request);
  }
}
