package io.messageorchestrator.orchestrator;

import io.vertx.core.Vertx;

/** Routers with short bounds, for tests outside this package. */
public final class ShardRouters {
  private ShardRouters() {
  }

  public static ShardRouter create(Vertx vertx, int shards, long maxAnswerDelay, long routeDeadlineMs,
                                   long acceptTryTimeoutMs) {
    return new ShardRouter(vertx, shards, maxAnswerDelay, routeDeadlineMs, acceptTryTimeoutMs);
  }
}
