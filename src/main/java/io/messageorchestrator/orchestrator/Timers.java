package io.messageorchestrator.orchestrator;

import io.vertx.core.Vertx;

/** One-shot timers on the shard's context: Vert.x timers in the verticle, a hand-run list in plain tests. */
interface Timers {
  long setTimer(long delayMillis, Runnable action);

  void cancelTimer(long timerId);

  static Timers of(Vertx vertx) {
    return new Timers() {
      @Override
      public long setTimer(long delayMillis, Runnable action) {
        return vertx.setTimer(delayMillis, id -> action.run());
      }

      @Override
      public void cancelTimer(long timerId) {
        vertx.cancelTimer(timerId);
      }
    };
  }
}
