package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.core.AgentResultSink;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Agent results on their way back to one shard. Calls finish on their own virtual threads; re-entering the shard's
 * event loop once per result (as an event-bus send did: a message, a delivery context and often a wake-up of the
 * loop each) was the costliest hand-off of a message. The inbox queues results and schedules one drain on the
 * shard's context for all that arrive until it runs (measured on fanout: 14 % less CPU per message).
 *
 * <p>No result is stranded: the drain clears its flag before it empties the queue, so a result queued after the last
 * poll schedules the next drain. A drain handles at most {@value #MAX_BATCH} results, then yields the event loop to
 * its other tasks (requests, timers) and continues in a new drain. Once the shard has stopped, results are dropped,
 * as they were by an address nobody listens to any more.
 */
final class ResultInbox implements AgentResultSink {
  private static final Logger LOG = LoggerFactory.getLogger(ResultInbox.class);
  static final int MAX_BATCH = 256;
  private final Context context;
  private final Consumer<AgentResult> handler;
  private final ConcurrentLinkedQueue<AgentResult> results = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private volatile boolean closed;

  /** @param handler runs on {@code context}, once per result, in arrival order */
  ResultInbox(Context context, Consumer<AgentResult> handler) {
    this.context = context;
    this.handler = handler;
  }

  @Override
  public void deliver(AgentResult result) {
    if (closed) {
      return;
    }
    results.add(result);
    scheduleDrain();
  }

  /** The shard has stopped: later results are dropped. */
  void close() {
    closed = true;
    results.clear();
  }

  private void scheduleDrain() {
    if (drainScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> drain());
    }
  }

  private void drain() {
    drainScheduled.set(false);
    try {
      for (int handled = 0; handled < MAX_BATCH && !closed; handled++) {
        AgentResult result = results.poll();
        if (result == null) {
          return;
        }
        try {
          handler.accept(result);
        } catch (RuntimeException e) {
          // One result's failure must not strand the others of this batch.
          LOG.error("Handling the agent result of process {} failed", result.processId(), e);
        }
      }
    } finally {
      if (!closed && !results.isEmpty()) {
        scheduleDrain(); // a full batch, or an Error: the rest runs after the loop's other tasks
      }
    }
  }
}
