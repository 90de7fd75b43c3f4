package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Everything the orchestrator knows about one contact: its lease (the message being processed, if any) and its FIFO
 * line of waiting messages. Confined to the owning shard's event-loop context, so it needs no synchronisation.
 * Kept small: an idle lane is a few dozen bytes, and its queue is allocated only when a message has to wait.
 */
final class ContactLane {
  /** The conversation's key in its {@link ContactTable} ({@code Accounts.conversationKey}). */
  final String key;
  final String account;
  final String contactId;
  private WaitingLine queue;
  Lease lease;
  /** Messages of this contact whose journal append is still under way: they count against its queue bound. */
  int appending;
  /** A retry's backoff timer (J6): the lane's head waits for it, and so do the messages behind it; -1 when none. */
  long retryTimer = -1;
  /** Registered in the global concurrency line; the grant will arrive on the shard context. */
  boolean waitingForPermit;
  long idleSince;
  /** In its {@link ContactTable}'s busy map (else in the idle one). */
  boolean busy;
  /** V3: the conversation's human-handoff pause, or {@code null} (see {@link Pauses}). */
  Pauses.PauseState pause;
  /** V3: messages held while paused, in acceptance order; allocated only while one is held. */
  private ArrayDeque<Pending> held;
  /** V1: the burst being collected while the contact types ({@code coalesce.quietWindow}), or {@code null}. */
  Coalescing.Burst burst;

  ContactLane(String key, String account, String contactId) {
    this.key = key;
    this.account = account;
    this.contactId = contactId;
  }

  /** A paused lane is never idle: its pause (and its held messages) must not be forgotten by eviction. */
  boolean idle() {
    return lease == null && !waitingForPermit && queueSize() == 0 && appending == 0 && pause == null
      && heldCount() == 0 && burst == null;
  }

  int heldCount() {
    return held == null ? 0 : held.size();
  }

  void hold(Pending pending) {
    if (held == null) {
      held = new ArrayDeque<>(4);
    }
    held.addLast(pending);
  }

  /** The held messages in acceptance order (a read-only view for reports). */
  Iterable<Pending> heldMessages() {
    return held == null ? List.of() : held;
  }

  /** Takes every held message, oldest first. */
  List<Pending> takeHeld() {
    if (held == null) {
      return List.of();
    }
    List<Pending> taken = new ArrayList<>(held);
    held = null;
    return taken;
  }

  int queueSize() {
    return queue == null ? 0 : queue.size();
  }

  void enqueue(Pending pending) {
    if (queue == null) {
      queue = new WaitingLine();
    }
    queue.addLast(pending);
    pending.lineNumber = ++queue.added;
  }

  /** Takes the oldest waiting message (to start it, drop it or discard it): messages only ever leave from the head. */
  Pending pollQueue() {
    Pending next = queue == null ? null : queue.pollFirst();
    if (next != null) {
      queue.removed++;
      next.lineNumber = 0; // no longer waiting
      if (queue.isEmpty()) {
        queue = null; // give the array back: most contacts never queue again
      }
    }
    return next;
  }

  /**
   * Puts a message whose attempt failed back at the head of the line, to be retried before the ones behind it (R2).
   * Positions stay O(1): it takes the line number just before the current head's.
   */
  void requeueFirst(Pending pending) {
    if (queue == null) {
      queue = new WaitingLine();
    }
    queue.addFirst(pending);
    pending.lineNumber = queue.removed;
    queue.removed--;
  }

  /** The waiting calls, oldest first (read-only). */
  Iterable<Pending> waiting() {
    return queue == null ? List.of() : queue;
  }

  Pending peekQueue() {
    return queue == null ? null : queue.peekFirst();
  }

  /**
   * 1-based position of a waiting message, 0 if it is not waiting. O(1): the line numbers every message it took
   * ({@code added}) and counts those that left ({@code removed}); as messages leave only from the head, the ones
   * ahead of a waiting message are exactly those numbered after {@code removed} and before it, so its position is
   * {@code lineNumber - removed}. (Scanning the queue instead made accepting n messages for one contact O(n²).)
   * The counters live only while someone waits and restart with the next waiting line.
   */
  int positionOf(Pending pending) {
    return pending.lineNumber == 0 || queue == null ? 0 : (int) (pending.lineNumber - queue.removed);
  }

  /** A contact's waiting messages in arrival order, numbered as they arrive; allocated only while one waits. */
  private static final class WaitingLine extends ArrayDeque<Pending> {
    long added;
    long removed;

    WaitingLine() {
      super(4);
    }
  }

  /** An accepted message on its way to one outcome. */
  static final class Pending {
    final String processId;
    final String account;
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
    /** Its number in its lane's waiting line while it waits ({@link #positionOf}), 0 once it left. */
    long lineNumber;
    /** Its deduplication key ({@code null} without a message id): forgotten if the message is dropped unprocessed. */
    String dedupKey;
    /** Agent calls started so far (also those before a restart, as the journal recorded them). */
    int attempts;
    /** When it was accepted on the journal's clock (epoch ms for a durable journal): its age for maxMessageAge. */
    long acceptedAtJournal;
    /** The dead letter this message replays, or {@code null}. */
    String replayOf;
    /** Fixed at arrival for a message without a provider id ({@code ProcessRequest#idempotencyKey}). */
    String idempotencyKey;
    /**
     * V3, {@code handoff.onResume=last}: the messages held before this one while the conversation was paused, oldest
     * first, given to the agent as context; empty otherwise (not journaled: after a restart the message runs alone).
     */
    List<InboundMessage> heldBefore = List.of();
    /**
     * V1/V2: the other messages given to the agent in the same call as this one, in order after it (this one is the
     * call's first message and names the call: its processId); empty for a call of one message. See
     * {@link Coalescing}.
     */
    List<Pending> coalesced = List.of();
    /** V2 {@code midTurn.policy=interrupt}: how often this call was restarted with newer messages in this turn. */
    int restarts;

    Pending(String processId, String account, String contactId, InboundMessage message, JsonObject messageJson,
            long acceptedAt, Consumer<ProcessResult> caller) {
      this.processId = processId;
      this.account = account;
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
