package io.messageorchestrator.journal;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Where a journal call came from, so that its future completes there (a shard's continuation runs on the shard),
 * although the work ran on the journal's own thread.
 */
final class CallerContext {
  private CallerContext() {
  }

  /** The calling Vert.x context, or {@code null} when the caller is not on one (its future completes directly). */
  static Context capture() {
    return Vertx.currentContext();
  }

  /** Runs {@code completion} on {@code context}, or at once when there is none. */
  static void run(Context context, Runnable completion) {
    if (context == null) {
      completion.run();
    } else {
      context.runOnContext(ignored -> completion.run());
    }
  }

  static <T> void complete(Context context, Promise<T> promise, T result) {
    run(context, () -> promise.tryComplete(result));
  }

  static void fail(Context context, Promise<?> promise, Throwable failure) {
    run(context, () -> promise.tryFail(failure));
  }
}
