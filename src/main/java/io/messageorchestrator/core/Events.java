package io.messageorchestrator.core;

import java.util.List;

/** Event names, published on {@code orchestrator.events.<name>}. The first eight are the original's. */
public final class Events {
  public static final String MESSAGE_RECEIVED = "messageReceived";
  public static final String LOCK_ACQUIRED = "lockAcquired";
  public static final String LOCK_RELEASED = "lockReleased";
  public static final String MESSAGE_QUEUED = "messageQueued";
  /** A reply is ready: outcome {@code processed}, or {@code failed}/{@code timed_out} with a fallback reply. */
  public static final String MESSAGE_PROCESSED = "messageProcessed";
  public static final String PROCESSING_ERROR = "processingError";
  public static final String DEADLOCKS_RESOLVED = "deadlocksResolved";
  public static final String CLEANUP_COMPLETE = "cleanupComplete";
  public static final String PROCESSING_TIMEOUT = "processingTimeout";
  public static final String MESSAGE_REJECTED = "messageRejected";
  public static final String MESSAGE_DROPPED = "messageDropped";
  public static final String MESSAGE_DISCARDED = "messageDiscarded";
  public static final String DUPLICATE_IGNORED = "duplicateIgnored";
  public static final String LATE_RESULT_DISCARDED = "lateResultDiscarded";
  public static final String CONTACTS_EVICTED = "contactsEvicted";
  /** An agent call failed or timed out and the message will be tried again: {@code attempt, reason, nextAttemptAt}. */
  public static final String ATTEMPT_FAILED = "attemptFailed";
  /** The last attempt failed: the message is a dead letter (listed by {@code /admin/dead-letters}). */
  public static final String MESSAGE_DEAD_LETTERED = "messageDeadLettered";
  /** A message older than {@code maxMessageAge} when its turn came: not given to the agent. */
  public static final String MESSAGE_EXPIRED = "messageExpired";
  /** At start, the journal's unfinished messages were re-queued: {@code messages, replies, contacts, ms}. */
  public static final String JOURNAL_RECOVERED = "journalRecovered";
  /** A shard missed two readiness pings in a row: {@code shard, missedPings, timestamp}. */
  public static final String SHARD_UNRESPONSIVE = "shardUnresponsive";
  /** An unresponsive shard answers again: {@code shard, missedPings, timestamp}. */
  public static final String SHARD_RESPONSIVE = "shardResponsive";
  /** Agent-unavailable failures in a row opened the agent circuit: {@code failures, openForMs, timestamp}. */
  public static final String AGENT_CIRCUIT_OPENED = "agentCircuitOpened";
  /** A probe call reached the agent: the circuit closed: {@code openedForMs, timestamp}. */
  public static final String AGENT_CIRCUIT_CLOSED = "agentCircuitClosed";

  /** V3: a conversation was paused for a human: {@code contactId, account, by, reason, pausedAt, until, held}. */
  public static final String CONTACT_PAUSED = "contactPaused";
  /** V3: a paused conversation resumed: {@code contactId, account, by, reason, onResume, held, processIds}. */
  public static final String CONTACT_RESUMED = "contactResumed";
  /** V3: a message of a paused conversation was held: {@code contactId, account, processId, held, message}. */
  public static final String MESSAGE_HELD = "messageHeld";
  /** V1: a message joined its contact's open burst: {@code contactId, account, processId, count, message}. */
  public static final String MESSAGE_COALESCING = "messageCoalescing";
  /** V1: a burst went to the agent as one call: {@code contactId, account, processId, count, reason, processIds}. */
  public static final String BURST_FLUSHED = "burstFlushed";
  /** V2 ({@code midTurn.policy=interrupt}): a running call was cancelled for newer messages: {@code contactId,
   * account, processId, restarts, count, ranMs}. */
  public static final String TURN_INTERRUPTED = "turnInterrupted";

  /**
   * A provider delivery status, published by the HTTP webhooks (not by the shards, hence not in {@link #ALL}):
   * counted in the statistics, never processed.
   */
  public static final String STATUS_RECEIVED = "statusReceived";

  public static final List<String> ALL = List.of(MESSAGE_RECEIVED, LOCK_ACQUIRED, LOCK_RELEASED, MESSAGE_QUEUED,
    MESSAGE_PROCESSED, PROCESSING_ERROR, DEADLOCKS_RESOLVED, CLEANUP_COMPLETE, PROCESSING_TIMEOUT, MESSAGE_REJECTED,
    MESSAGE_DROPPED, MESSAGE_DISCARDED, DUPLICATE_IGNORED, LATE_RESULT_DISCARDED, CONTACTS_EVICTED, SHARD_UNRESPONSIVE,
    SHARD_RESPONSIVE, ATTEMPT_FAILED, MESSAGE_DEAD_LETTERED, MESSAGE_EXPIRED, JOURNAL_RECOVERED,
    AGENT_CIRCUIT_OPENED, AGENT_CIRCUIT_CLOSED, CONTACT_PAUSED, CONTACT_RESUMED, MESSAGE_HELD,
    MESSAGE_COALESCING, BURST_FLUSHED, TURN_INTERRUPTED);

  private Events() {
  }
}
