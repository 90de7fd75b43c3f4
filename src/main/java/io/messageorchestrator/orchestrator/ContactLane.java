package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Everything the orchestrator knows about one contact: its lease (the message being processed, if any) and its FIFO
 * line of waiting messages. Confined to the owning shard's event-loop context, so it needs no synchronisation.
 * Kept small: an idle lane is a few dozen bytes, and its queue is allocated only when a message has to wait.
 */
final class ContactLane {
  final String contactId;
  private ArrayDeque<Pending> queue;
  Lease lease;
  /** Registered in the global concurrency line; the grant will arrive on the shard context. */
  boolean waitingForPermit;
  long idleSince;
  /** In its {@link ContactTable}'s busy map (else in the idle one). */
  boolean busy;

  ContactLane(String contactId) {
    this.contactId = contactId;
  }

  boolean idle() {
    return lease == null && !waitingForPermit && queueSize() == 0;
  }

  int queueSize() {
    return queue == null ? 0 : queue.size();
  }

  void enqueue(Pending pending) {
    if (queue == null) {
      queue = new ArrayDeque<>(4);
    }
    queue.addLast(pending);
  }

  Pending pollQueue() {
    Pending next = queue == null ? null : queue.pollFirst();
    if (queue != null && queue.isEmpty()) {
      queue = null; // give the array back: most contacts never queue again
    }
    return next;
  }

  Pending peekQueue() {
    return queue == null ? null : queue.peekFirst();
  }

  /** 1-based position of a waiting message, 0 if it is not waiting. */
  int positionOf(Pending pending) {
    if (queue == null) {
      return 0;
    }
    int position = 1;
    for (Pending candidate : queue) {
      if (candidate == pending) {
        return position;
      }
      position++;
    }
    return 0;
  }

  /** An accepted message on its way to one outcome. */
  static final class Pending {
    final String processId;
    final String contactId;
    final InboundMessage message;
    /** {@code message.toJson()}, built once for all of this message's events (never mutated after). */
    final JsonObject messageJson;
    final long acceptedAt;
    /** Answers the request still waiting, or {@code null} once answered. */
    Consumer<ProcessResult> caller;
    long lockWaitTimer = -1;
    /** The caller was told {@code queued}; the reply will only travel on {@code messageProcessed}. */
    boolean answeredQueued;
    /** Its deduplication key ({@code null} without a message id): forgotten if the message is dropped unprocessed. */
    String dedupKey;

    Pending(String processId, String contactId, InboundMessage message, JsonObject messageJson, long acceptedAt,
            Consumer<ProcessResult> caller) {
      this.processId = processId;
      this.contactId = contactId;
      this.message = message;
      this.messageJson = messageJson;
      this.acceptedAt = acceptedAt;
      this.caller = caller;
    }
  }

  /** The right to process one message. The fencing token tells a current result from a late one. */
  static final class Lease {
    final ContactLane lane;
    final Pending pending;
    final long token;
    final long startedAt;
    /** Kept by the shard's {@link LeaseDeadlines}: its real-time deadline and its neighbours in deadline order. */
    long deadlineNanos;
    boolean awaitingDeadline;
    Lease olderByDeadline;
    Lease newerByDeadline;

    Lease(ContactLane lane, Pending pending, long token, long startedAt) {
      this.lane = lane;
      this.pending = pending;
      this.token = token;
      this.startedAt = startedAt;
    }
  }
}
