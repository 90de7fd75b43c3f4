package io.messageorchestrator.agent;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Waits for a Vert.x future from an agent's virtual thread (never from an event loop). */
final class Blocking {
  private Blocking() {
  }

  static <T> T await(Future<T> future, Duration timeout) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(Math.max(1, timeout.toMillis()),
        java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      throw new AgentCallException("no answer within the processing deadline");
    }
  }
}
