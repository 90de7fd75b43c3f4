package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.ShardFencedException;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.core.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
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
  /** A journal outage refuses every message: one line per interval, not one per message. */
  private static final Logger LOG = LoggerFactory.getLogger(ShardIntake.class);
  private static final RateLimitedLog APPEND_FAILURES =
    new RateLimitedLog(LoggerFactory.getLogger(ShardIntake.class), Duration.ofSeconds(10));
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
  private final JournalWrites journal;
  private long processSequence;
  /** Messages of this shard whose journal append is under way: they count against {@code maxTotalQueued}. */
  private int appendingInShard;

  /** {@code maxTotalQueued}, {@code maxContacts} and {@code dedupMaxEntries} are split evenly across shards. */
  ShardIntake(ContactStateMachine machine, int shardCount, String processIdPrefix, OrchestratorConfig config,
              OrchestratorMetrics metrics, TimeSource time, ShardEffects effects, JournalWrites journal) {
    this.machine = machine;
    this.contacts = machine.contacts();
    this.config = config;
    this.processIdPrefix = processIdPrefix;
    this.maxQueuedInShard = (config.maxTotalQueued() + shardCount - 1) / shardCount;
    this.maxContactsInShard = (int) (((long) config.maxContacts() + shardCount - 1) / shardCount);
    this.metrics = metrics;
    this.time = time;
    this.effects = effects;
    this.journal = journal;
    this.dedup = new DedupCache(config.dedupWindow(), (config.dedupMaxEntries() + shardCount - 1) / shardCount);
  }

  /**
   * A message for a conversation of this shard; {@code caller} gets exactly one answer — and, when the message is
   * accepted, only after the journal has committed it (J2: never an answer for a message that is not journaled).
   *
   * @param acceptOnly answer {@code accepted} as soon as the message has its place (webhooks: the provider must be
   *                   answered fast); otherwise wait up to {@code lockTimeout} for it to start (R6)
   */
  void accept(ProcessRequest request, Consumer<ProcessResult> caller) {
    String contactId = request.contactId();
    InboundMessage message = request.message();
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
    String dedupKey = dedup.keyOf(Accounts.conversationKey(request.account(), contactId), message.messageId());
    if (dedup.seen(dedupKey, now)) {
      duplicate(caller, contactId, message);
      return;
    }
    String conversation = Accounts.conversationKey(request.account(), contactId);
    if (!machine.limits().tryAccept(conversation)) {
      // V5b: before any state or write: a flood from one number costs a counter, not a journal row.
      reject(caller, contactId, messageJson, null, RejectReason.RATE_LIMITED, "contact sent more than "
        + config.conversation().rateLimit() + " messages this minute (contact.rateLimit)");
      return;
    }
    if (!roomForContact(conversation)) {
      reject(caller, contactId, messageJson, null, RejectReason.OVERLOADED,
        "too many contacts active on this node (maxContacts)");
      return;
    }
    ContactLane lane = contacts.getOrCreate(request.account(), contactId, now);
    String processId = processIdPrefix + (++processSequence);
    // V1: with coalescing a message joins its contact's burst, bounded by coalesce.maxMessages (reaching it flushes
    // the burst), not by maxQueueSize: a message is refused only when it would flush a full burst into a queue that
    // already has maxQueueSize calls waiting for the agent.
    int waiting = !machine.coalescing().on() ? lane.queueSize() + lane.appending
      : Coalescing.openCount(lane) + lane.appending + 1 >= config.coalesce().maxMessages() ? lane.queueSize() : 0;
    if (machine.limits().dailyLimitReached(lane.key) && !machine.pauses().holding(lane)) {
      // V5b: the conversation used up its agent calls of the day: held (V3's pause) until the next UTC day.
      machine.limits().heldForDailyLimit();
      machine.pauses().pause(lane, machine.limits().untilNextDay(), Pauses.BY_LIMIT, ContactLimits.DAILY_LIMIT);
    }
    boolean holding = machine.pauses().holding(lane);
    if (holding && machine.pauses().full(lane)) {
      // V3: a paused conversation's own bound (not maxQueueSize: held messages are not waiting for the agent).
      reject(caller, contactId, messageJson, processId, RejectReason.HELD_FULL, "contact is paused for a human and"
        + " already holds " + lane.heldCount() + " messages (handoff.maxHeld)");
      return;
    }
    if (holding) {
      // held, not queued: the queue bounds do not apply
    } else if (waiting >= config.maxQueueSize() && config.queueOverflow() == QueueOverflow.REJECT) {
      reject(caller, contactId, messageJson, processId, RejectReason.QUEUE_FULL,
        "contact already has " + waiting + " messages waiting (maxQueueSize)");
      contacts.markIdleIfIdle(lane, now);
      return;
    }
    if (!holding && waiting < config.maxQueueSize()
      && machine.queuedInShard() + appendingInShard >= maxQueuedInShard) {
      reject(caller, contactId, messageJson, processId, RejectReason.OVERLOADED,
        "too many messages waiting on this node (maxTotalQueued)");
      contacts.markIdleIfIdle(lane, now);
      return;
    }
    Pending pending = new Pending(processId, request.account(), contactId, message, messageJson, now,
      request.acceptOnly() ? null : caller);
    pending.dedupKey = dedupKey;
    pending.replayOf = request.replayOf();
    pending.idempotencyKey = request.idempotencyKey();
    pending.acceptedAtJournal = journal.now();
    lane.appending++;
    appendingInShard++;
    // Busy while journaled: an idle lane may be forgotten (maxContacts, idleContactTtl), and the commit would then
    // admit the message into a lane the table no longer holds, beside a new one for the same contact (R1, R2).
    contacts.markBusy(lane);
    journal.append(entryOf(pending), dedupSince(pending.acceptedAtJournal))
      .onComplete(appended -> {
        lane.appending--;
        appendingInShard--;
        if (appended.failed()) {
          APPEND_FAILURES.warn("Journal append failed, message refused (the provider will retry): {}",
            appended.cause().getMessage());
          reject(caller, contactId, messageJson, null, appended.cause() instanceof ShardFencedException
              ? RejectReason.SHARD_MOVED : RejectReason.JOURNAL_UNAVAILABLE,
            "the journal could not record the message: " + appended.cause().getMessage());
          contacts.markIdleIfIdle(lane, time.monotonicMillis());
        } else if (appended.result() == AppendResult.DUPLICATE) {
          dedup.remember(dedupKey, time.monotonicMillis());
          duplicate(caller, contactId, message);
          contacts.markIdleIfIdle(lane, time.monotonicMillis());
        } else if (machine.isStopping() && journal.durable()) {
          // Journaled while the shard began to stop: it is accepted and runs at the next start (R11), not now. (The
          // memory journal's appends complete at once: such a message is admitted and ends in the drain, as any.)
          dedup.remember(dedupKey, time.monotonicMillis());
          caller.accept(request.acceptOnly() ? ProcessResult.accepted(processId, 1)
            : ProcessResult.queued(processId, 1));
          contacts.markIdleIfIdle(lane, time.monotonicMillis());
        } else {
          dedup.remember(dedupKey, time.monotonicMillis()); // only accepted messages are remembered
          admit(lane, pending, request.acceptOnly(), caller);
        }
      });
  }

  /** The journal committed the message: it takes its place in its lane (the order of commits, R2). */
  private void admit(ContactLane lane, Pending pending, boolean acceptOnly, Consumer<ProcessResult> caller) {
    pending.answeredQueued = acceptOnly;
    if (machine.pauses().holding(lane)) {
      machine.pauses().hold(lane, pending); // answers a waiting caller "held"
      if (acceptOnly) {
        caller.accept(ProcessResult.held(pending.processId, lane.heldCount()));
      }
      return;
    }
    if (!machine.coalescing().on() && lane.queueSize() >= config.maxQueueSize()) {
      // queueOverflow=dropOldest (reject was decided up front)
      Pending dropped = machine.dropOldest(lane,
        "dropped to make room for a newer message (queueOverflow=dropOldest)");
      dedup.forget(dropped.dedupKey); // never processed: the provider's retry must not count as a duplicate
    }
    machine.admit(lane, pending);
    // V1: a message in a burst has no place in the queue yet (Coalescing answers a waiting caller itself)
    int position = machine.coalescing().on() ? 0 : lane.positionOf(pending);
    if (position > 0) {
      effects.publish(Events.MESSAGE_QUEUED,
        OrchestratorEvents.messageQueued(pending.contactId, lane.queueSize(), position, pending));
    }
    if (acceptOnly) {
      caller.accept(ProcessResult.accepted(pending.processId, position));
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
   * J5: a message the journal holds from before a restart. It was acknowledged then, so no bound refuses it now
   * ({@code maxQueueSize} is checked at acceptance only); it keeps its processId and its attempt count.
   */
  void recover(JournalEntry entry) {
    InboundMessage message = InboundMessage.fromJson(entry.message());
    long now = time.monotonicMillis();
    ContactLane lane = contacts.getOrCreate(entry.account(), entry.contactId(), now);
    Pending pending = new Pending(entry.processId(), entry.account(), entry.contactId(), message, entry.message(),
      now, null);
    pending.answeredQueued = true;
    pending.attempts = entry.attempts();
    pending.acceptedAtJournal = entry.acceptedAt();
    pending.replayOf = entry.replayOf();
    pending.dedupKey = dedup.keyOf(lane.key, message.messageId());
    dedup.remember(pending.dedupKey, now);
    if (pending.attempts >= config.retry().maxAttempts()) {
      // Its attempts were all used up by restarts (it started, and the process died every time): a dead letter,
      // instead of killing the service forever.
      LOG.warn("Message {} of contact {} started {} times and never finished: dead-lettered at recovery",
        pending.processId, ContactIds.mask(lane.contactId), pending.attempts);
      machine.finish(pending, Outcome.FAILED, "its " + pending.attempts + " attempts were used up by restarts (the"
        + " service stopped while it was processing)");
      contacts.markIdleIfIdle(lane, now);
      return;
    }
    machine.admit(lane, pending);
  }

  private JournalEntry entryOf(Pending pending) {
    // The provider's id; else, in a durable journal, the idempotency key fixed at arrival (a forwarded retry of the
    // same request is a duplicate). Without dedup (dedupWindow 0) no key at all.
    String key;
    if (config.dedupWindow() == 0) {
      key = null;
    } else if (pending.message.messageId() != null) {
      key = pending.dedupKey == null ? null : pending.message.messageId();
    } else {
      key = journal.durable() && pending.idempotencyKey != null ? "idempotency:" + pending.idempotencyKey : null;
    }
    return new JournalEntry(0, pending.processId, pending.account, pending.contactId, key, pending.messageJson,
      pending.acceptedAtJournal, 0, pending.replayOf);
  }

  private long dedupSince(long now) {
    return now - config.dedupWindow();
  }

  private void duplicate(Consumer<ProcessResult> caller, String contactId, InboundMessage message) {
    metrics.duplicate();
    effects.publish(Events.DUPLICATE_IGNORED, OrchestratorEvents.duplicateIgnored(contactId, message.messageId()));
    caller.accept(ProcessResult.ofDuplicate());
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
