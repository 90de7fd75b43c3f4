package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.config.OrchestratorConfig.QueueOverflow;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * The door of one shard: decides whether a message is accepted — not while shutting down (R11), not a duplicate
 * (R10, its {@link DedupCache}), room for its contact ({@code maxContacts}, R12) and in its queue
 * ({@code maxQueueSize}, {@code maxTotalQueued}, R4) — and answers the caller until the message starts or the caller
 * stops waiting (R6). Accepted messages go to the {@link ContactStateMachine}. Plain Java, on the shard's context.
 */
final class ShardIntake {
  private final ContactStateMachine machine;
  private final ContactTable contacts;
  private final OrchestratorConfig config;
  private final String processIdPrefix;
  private final int maxQueuedInShard;
  private final int maxContactsInShard;
  private final OrchestratorMetrics metrics;
  private final TimeSource time;
  private final ShardEffects effects;
  private final DedupCache dedup;
  private long processSequence;

  /** {@code maxTotalQueued}, {@code maxContacts} and {@code dedupMaxEntries} are split evenly across shards. */
  ShardIntake(ContactStateMachine machine, int shardCount, String processIdPrefix, OrchestratorConfig config,
              OrchestratorMetrics metrics, TimeSource time, ShardEffects effects) {
    this.machine = machine;
    this.contacts = machine.contacts();
    this.config = config;
    this.processIdPrefix = processIdPrefix;
    this.maxQueuedInShard = (config.maxTotalQueued() + shardCount - 1) / shardCount;
    this.maxContactsInShard = (int) (((long) config.maxContacts() + shardCount - 1) / shardCount);
    this.metrics = metrics;
    this.time = time;
    this.effects = effects;
    this.dedup = new DedupCache(config.dedupWindow(), (config.dedupMaxEntries() + shardCount - 1) / shardCount);
  }

  /**
   * A message for a contact of this shard; {@code caller} gets exactly one answer.
   *
   * @param acceptOnly answer {@code accepted} as soon as the message has its place (webhooks: the provider must be
   *                   answered fast); otherwise wait up to {@code lockTimeout} for it to start (R6)
   */
  void accept(String contactId, InboundMessage message, boolean acceptOnly, Consumer<ProcessResult> caller) {
    long now = time.monotonicMillis();
    JsonObject messageJson = message.toJson();
    metrics.received();
    if (config.stepEvents()) {
      effects.publish(Events.MESSAGE_RECEIVED,
        OrchestratorEvents.messageReceived(contactId, messageJson, time.wallMillis()));
    }
    if (machine.isStopping()) {
      reject(caller, contactId, messageJson, null, RejectReason.SHUTTING_DOWN, "the orchestrator is shutting down");
      return;
    }
    String dedupKey = dedup.keyOf(contactId, message.messageId());
    if (dedup.seen(dedupKey, now)) {
      metrics.duplicate();
      effects.publish(Events.DUPLICATE_IGNORED, OrchestratorEvents.duplicateIgnored(contactId, message.messageId()));
      caller.accept(ProcessResult.ofDuplicate());
      return;
    }
    if (!roomForContact(contactId)) {
      reject(caller, contactId, messageJson, null, RejectReason.OVERLOADED,
        "too many contacts active on this node (maxContacts)");
      return;
    }
    ContactLane lane = contacts.getOrCreate(contactId, now);
    String processId = processIdPrefix + (++processSequence);
    if (lane.queueSize() >= config.maxQueueSize()) {
      if (config.queueOverflow() == QueueOverflow.REJECT) {
        reject(caller, contactId, messageJson, processId, RejectReason.QUEUE_FULL,
          "contact already has " + lane.queueSize() + " messages waiting (maxQueueSize)");
        contacts.markIdleIfIdle(lane, now);
        return;
      }
      Pending dropped = machine.dropOldest(lane,
        "dropped to make room for a newer message (queueOverflow=dropOldest)");
      dedup.forget(dropped.dedupKey); // never processed: the provider's retry must not count as a duplicate
    } else if (machine.queuedInShard() >= maxQueuedInShard) {
      reject(caller, contactId, messageJson, processId, RejectReason.OVERLOADED,
        "too many messages waiting on this node (maxTotalQueued)");
      contacts.markIdleIfIdle(lane, now);
      return;
    }
    Pending pending = new Pending(processId, contactId, message, messageJson, now, acceptOnly ? null : caller);
    pending.answeredQueued = acceptOnly;
    pending.dedupKey = dedupKey;
    dedup.remember(dedupKey, now); // only accepted messages are remembered
    machine.admit(lane, pending);
    int position = lane.positionOf(pending);
    if (position > 0) {
      effects.publish(Events.MESSAGE_QUEUED,
        OrchestratorEvents.messageQueued(contactId, lane.queueSize(), position, pending));
    }
    if (acceptOnly) {
      caller.accept(ProcessResult.accepted(processId, position));
    } else if (position > 0) { // (at 0 it started at once: the caller gets the processed result)
      if (config.lockTimeout() == 0) {
        answerQueued(lane, pending);
      } else {
        pending.lockWaitTimer = effects.setTimer(config.lockTimeout(), () -> {
          pending.lockWaitTimer = -1;
          answerQueued(lane, pending);
        });
      }
    }
  }

  /**
   * A known contact always has room; a new one gets it if the shard remembers fewer than its share of
   * {@code maxContacts}, or by forgetting the longest-idle contact. Only when every remembered contact is busy is
   * there none. The dedup memory is separate: a forgotten contact's recent message ids are still recognised.
   */
  private boolean roomForContact(String contactId) {
    return contacts.size() < maxContactsInShard || contacts.get(contactId) != null || contacts.evictLongestIdle();
  }

  private void reject(Consumer<ProcessResult> caller, String contactId, JsonObject messageJson, String processId,
                      RejectReason reason, String error) {
    metrics.rejected(reason);
    effects.publish(Events.MESSAGE_REJECTED,
      OrchestratorEvents.messageRejected(contactId, reason.label(), error, messageJson));
    caller.accept(ProcessResult.rejected(processId, reason.label(), error));
  }

  /** R6: the caller stops waiting for the lock; the message keeps its place and its reply goes out later. */
  private void answerQueued(ContactLane lane, Pending pending) {
    if (pending.caller == null) {
      return;
    }
    int position = lane.positionOf(pending);
    if (position == 0) {
      return; // started meanwhile: the caller will get the processed result
    }
    pending.caller.accept(ProcessResult.queued(pending.processId, position));
    pending.caller = null;
    pending.answeredQueued = true;
  }

  int dedupEntries() {
    return dedup.size();
  }
}
