package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.json.JsonObject;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.messageorchestrator.orchestrator.Outcomes.LeaseRelease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repairs and sweeps of one shard's {@link ContactStateMachine}: the stale-lease sweep (R7), emergency unlock
 * (R8), idle-contact eviction (R12) and what is left when the shutdown grace period ends (R11). Same context, same rules: every lease still ends through the machine.
 */
final class ShardOperations {
  private static final Logger LOG = LoggerFactory.getLogger(ContactStateMachine.class);

  private final ContactStateMachine machine;
  private final ContactTable contacts;
  private final int shardIndex;
  private final OrchestratorConfig config;
  private final OrchestratorMetrics metrics;
  private final TimeSource time;
  private final ShardEffects effects;
  private final JournalWrites journal;

  ShardOperations(ContactStateMachine machine, int shardIndex, OrchestratorConfig config, OrchestratorMetrics metrics,
                  TimeSource time, ShardEffects effects, JournalWrites journal) {
    this.machine = machine;
    this.contacts = machine.contacts();
    this.shardIndex = shardIndex;
    this.config = config;
    this.metrics = metrics;
    this.time = time;
    this.effects = effects;
    this.journal = journal;
  }


  /**
   * R7: releases leases older than {@code processingTimeout} + grace (outcome {@code timed_out}) and restarts
   * stalled lanes (free, with a queue, not waiting for a permit). A safety net behind {@link LeaseDeadlines}.
   */
  int detectAndResolveDeadlocks() {
    long now = time.monotonicMillis();
    int resolved = 0;
    for (ContactLane lane : contacts.busySnapshot()) {
      Lease lease = lane.lease;
      if (lease != null && now - lease.startedAt > config.processingTimeout() + ContactStateMachine.STALE_LEASE_GRACE_MS) {
        LOG.warn("Releasing stale lease of contact {} (process {}, {} ms old)", ContactIds.mask(lane.contactId),
          lease.pending.processId, now - lease.startedAt);
        effects.cancelAgentCall(lease.pending.processId);
        machine.failAttempt(lease, Outcome.TIMED_OUT, "stale lease released by deadlock detection", LeaseRelease.FORCED);
        resolved++;
      } else if (lease == null && !lane.waitingForPermit && lane.queueSize() > 0 && lane.retryTimer < 0) {
        LOG.warn("Restarting stalled queue of contact {} ({} waiting)", ContactIds.mask(lane.contactId),
          lane.queueSize());
        machine.pump(lane);
        resolved++;
      }
    }
    if (resolved > 0) {
      metrics.deadlocksResolved(resolved);
      effects.publish(Events.DEADLOCKS_RESOLVED,
        OrchestratorEvents.deadlocksResolved(resolved, time.wallMillis(), shardIndex));
    }
    return resolved;
  }

  /** R8: releases the contact's lease (fenced; the in-flight message fails with the fallback) and resumes its queue. */
  int emergencyUnlock(String conversationKey) {
    ContactLane lane = contacts.get(conversationKey);
    if (lane == null || lane.lease == null) {
      return 0;
    }
    Lease lease = lane.lease;
    LOG.warn("Emergency unlock of contact {} (process {})", ContactIds.mask(lane.contactId),
      lease.pending.processId);
    effects.cancelAgentCall(lease.pending.processId);
    machine.endLease(lease, Outcome.FAILED, null, "emergency unlock", LeaseRelease.FORCED);
    return 1;
  }

  int emergencyUnlockAll() {
    int unlocked = 0;
    for (ContactLane lane : contacts.busySnapshot()) {
      unlocked += emergencyUnlock(lane.key);
    }
    return unlocked;
  }

  /**
   * R12: forgets contacts idle for longer than {@code idleContactTtl}, and announces them together with those
   * forgotten since the last sweep to make room under {@code maxContacts}.
   */
  void evictIdleContacts() {
    int evicted = contacts.evictIdleSince(time.monotonicMillis(), config.idleContactTtl());
    if (evicted > 0) {
      metrics.evicted(evicted);
      effects.publish(Events.CONTACTS_EVICTED,
        OrchestratorEvents.contactsEvicted(evicted, contacts.size(), shardIndex));
    }
  }

  /**
   * After the grace period. With the memory journal every message still waiting or running ends as
   * {@code discarded_on_shutdown}. With a durable journal nothing ends: waiting messages stay journaled with no
   * outcome and running calls are abandoned — both run again at the next start (attempt + 1) — and callers still
   * waiting are told {@code queued}.
   */
  JsonObject discardEverything() {
    boolean keep = journal.durable();
    int locksReleased = 0;
    int messagesDropped = 0;
    int messagesKept = 0;
    for (ContactLane lane : contacts.busySnapshot()) {
      if (lane.retryTimer >= 0) {
        effects.cancelTimer(lane.retryTimer);
        lane.retryTimer = -1;
      }
      Pending waiting;
      while ((waiting = lane.pollQueue()) != null) {
        machine.queuedDelta(-1);
        if (keep) {
          for (Pending member : Coalescing.split(waiting)) {
            machine.cancelLockWait(member);
            ContactStateMachine.answer(member, ProcessResult.queued(member.processId, 1));
            messagesKept++;
          }
        } else {
          messagesDropped += Coalescing.size(waiting);
          machine.finish(waiting, Outcome.DISCARDED_ON_SHUTDOWN,
            "discarded: shutdown grace period ended before it was processed");
        }
      }
      int[] open = machine.coalescing().discard(lane, keep);
      messagesKept += open[0];
      messagesDropped += open[1];
      int[] held = machine.pauses().discard(lane, keep);
      messagesKept += held[0];
      messagesDropped += held[1];
      Lease lease = lane.lease;
      if (lease != null) {
        effects.cancelAgentCall(lease.pending.processId);
        machine.releaseLease(lease);
        locksReleased++;
        if (keep) {
          for (Pending member : Coalescing.split(lease.pending)) {
            ContactStateMachine.answer(member, ProcessResult.queued(member.processId, 0));
            messagesKept++;
          }
        } else {
          messagesDropped += Coalescing.size(lease.pending);
          ContactStateMachine.answer(lease.pending, machine.finish(lease.pending, Outcome.DISCARDED_ON_SHUTDOWN, null,
            "discarded: shutdown grace period ended while it was processing", lease, LeaseRelease.FORCED));
        }
      }
    }
    if (locksReleased + messagesDropped + messagesKept > 0) {
      LOG.warn("Shard {} shut down with {} leases released, {} messages discarded and {} kept in the journal for the"
        + " next start", shardIndex, locksReleased, messagesDropped, messagesKept);
    }
    return new JsonObject().put("locksReleased", locksReleased).put("messagesDropped", messagesDropped)
      .put("messagesKept", messagesKept);
  }
}
