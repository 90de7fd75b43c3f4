package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.core.AgentTask;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.config.OrchestratorConfig.QueueOverflow;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * One orchestrator shard: owns the contacts with {@code floorMod(hash(contactId), shards) == index}. Every lane,
 * lease, queue and timer of those contacts lives on this verticle's event-loop context, so the rules below hold
 * without a single lock:
 * <ul>
 *   <li>R1 at most one lease per contact; R2 a lane's queue is FIFO and only the lease holder's completion starts
 *   the next message;</li>
 *   <li>R3 a lane takes a node-wide permit ({@link GlobalConcurrencyLimit}) for each message and waits in line
 *   when there is none;</li>
 *   <li>R5 each lease has a deadline ({@link LeaseDeadlines}: one timer per shard) and a fencing token: a result
 *   for an ended lease is discarded.</li>
 * </ul>
 * Every accepted message ends in exactly one {@link Outcome}, announced by an event and counted (R9).
 */
public final class ShardVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ShardVerticle.class);
  /** A lease this much older than {@code processingTimeout} is stale: its deadline should have ended it (R7). */
  static final long STALE_LEASE_GRACE_MS = 1_000;
  /** An agent error this close to the deadline is the agent giving up because of it (timers are ~1 ms coarse). */
  static final long DEADLINE_SLACK_MS = 10;

  private final int index;
  private final int shardCount;
  private final OrchestratorConfig config;
  private final GlobalConcurrencyLimit limit;
  private final OrchestratorMetrics metrics;
  private final Lifecycle lifecycle;
  private final LongSupplier clock;
  private final String processIdPrefix;
  private final int maxQueuedInShard;

  /** All remembered contacts; idle ones are moved to the tail when they become idle, so the head is the oldest. */
  private LinkedHashMap<String, ContactLane> lanes = new LinkedHashMap<>();
  /** The most lanes remembered since the table was last rebuilt (hash tables never shrink by themselves). */
  private int lanesHighWater;
  /** Lanes with a lease, a queue or a pending permit: what sweeps and statistics look at. */
  private final Set<ContactLane> busy = new HashSet<>();
  private final DedupCache dedup;
  private EventBus eventBus;
  private ResultInbox results;
  private DeliveryOptions forwardDelivery;
  private LeaseDeadlines deadlines;
  /** Every shard's {@code process} address, for forwarding from the public entry point. */
  private String[] processAddresses;
  private long processSequence;
  private long fencingSequence;
  private int queuedInShard;
  private int leasesInShard;
  private boolean stopping;
  private Promise<Void> drained;
  private Future<JsonObject> drainResult;

  public ShardVerticle(int index, int shardCount, OrchestratorConfig config, GlobalConcurrencyLimit limit,
                       OrchestratorMetrics metrics, Lifecycle lifecycle, LongSupplier clock, String nodeId) {
    this.index = index;
    this.shardCount = shardCount;
    this.config = config;
    this.limit = limit;
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.clock = clock;
    this.processIdPrefix = nodeId + "-" + index + "-";
    this.maxQueuedInShard = (config.maxTotalQueued() + shardCount - 1) / shardCount;
    this.dedup = new DedupCache(config.dedupWindow(), (config.dedupMaxEntries() + shardCount - 1) / shardCount);
  }

  @Override
  public Future<?> start() {
    eventBus = vertx.eventBus();
    results = new ResultInbox(context, this::onAgentResult);
    processAddresses = Addresses.shardProcessAddresses(shardCount);
    forwardDelivery = new DeliveryOptions()
      .setSendTimeout(config.lockTimeout() + config.processingTimeout() + 30_000);
    deadlines = new LeaseDeadlines(vertx, config.processingTimeout(), this::onTimeout);
    vertx.setPeriodic(config.deadlockCheckInterval(), id -> detectAndResolveDeadlocks());
    long sweepEvery = Math.max(50, Math.min(config.idleContactTtl() / 2, 60_000));
    vertx.setPeriodic(sweepEvery, id -> evictIdleContacts());
    List<MessageConsumer<?>> consumers = new ArrayList<>(List.of(
      eventBus.<Object>consumer(Addresses.shard(index, "process"), message -> onProcess(message, false)),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "stats"), message -> message.reply(shardStats())),
      eventBus.consumer(Addresses.shard(index, "ping"), message -> message.reply(null)), // readiness: ShardHealth
      eventBus.<JsonObject>consumer(Addresses.shard(index, "status"), this::onStatus),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "unlock"), this::onUnlock),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "deadlocks"),
        message -> message.reply(new JsonObject().put("resolved", detectAndResolveDeadlocks())))));
    if (index == 0) {
      // One entry point on one context: it forwards in arrival order, so a sender's messages keep their order (R2).
      consumers.add(eventBus.<Object>consumer(Addresses.PROCESS, message -> onProcess(message, true)));
    }
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /**
   * Undeploying a shard drains it first (see {@link #drain()}; a no-op when the suite already drained it), then
   * drops the results of agent calls that still finish (agents that ignore interrupts).
   */
  @Override
  public Future<?> stop() {
    return startDrain().onComplete(drained -> results.close());
  }

  /**
   * R11: refuses new work ({@code shutting_down}), lets in-flight and queued messages finish for up to
   * {@code shutdownGracePeriod}, then discards what is left, each with its event. Completes with
   * {@code {locksReleased, messagesDropped}}. The suite drains every shard before undeploying any, so a shard that
   * drains early still answers {@code shutting_down} instead of vanishing from the event bus.
   */
  public Future<JsonObject> drain() {
    Promise<JsonObject> result = Promise.promise();
    context.runOnContext(v -> startDrain().onComplete(result));
    return result.future();
  }

  private Future<JsonObject> startDrain() {
    if (drainResult == null) {
      stopping = true;
      drained = Promise.promise();
      long graceTimer = vertx.setTimer(Math.max(1, config.shutdownGracePeriod()), id -> drained.tryComplete());
      completeDrainIfIdle();
      drainResult = drained.future().map(v -> {
        vertx.cancelTimer(graceTimer);
        return discardEverything();
      });
    }
    return drainResult;
  }

  // ---------------------------------------------------------------- intake

  /**
   * A process request: a {@link ProcessRequest} record from {@link OrchestratorClient} (answered with a
   * {@link ProcessResult} record), or the JSON form from any other sender (answered with JSON). The public address is
   * served by shard 0 alone, which forwards what it does not own.
   */
  private void onProcess(Message<Object> request, boolean mayForward) {
    String contactId;
    InboundMessage message;
    boolean acceptOnly;
    try {
      if (request.body() instanceof ProcessRequest typed) {
        contactId = ContactIds.require(typed.contactId(), "contactId");
        message = typed.message();
        acceptOnly = typed.acceptOnly();
      } else if (request.body() instanceof JsonObject body) {
        contactId = ContactIds.require(body.getValue("contactId"), "contactId");
        message = InboundMessage.fromJson(body.getValue("message"));
        acceptOnly = body.getBoolean("acceptOnly", false);
      } else {
        throw new InvalidRequestException("contactId", "request body must be {contactId, message}");
      }
    } catch (InvalidRequestException | ClassCastException e) {
      request.fail(400, e.getMessage());
      return;
    }
    int owner = ContactIds.shardOf(contactId, shardCount);
    if (owner != index) {
      if (!mayForward) {
        request.fail(400, "contact " + contactId + " belongs to shard " + owner);
        return;
      }
      eventBus.request(processAddresses[owner], request.body(), forwardDelivery)
        .onSuccess(reply -> request.reply(reply.body()))
        .onFailure(failure -> request.fail(failure instanceof ReplyException re ? re.failureCode() : 500,
          failure.getMessage()));
      return;
    }
    accept(contactId, message, acceptOnly, request);
  }

  /** Answers in the form the request came in: a record for a record, JSON for JSON. */
  private static void answer(Message<Object> request, ProcessResult result) {
    request.reply(request.body() instanceof ProcessRequest ? result : result.toJson());
  }

  /**
   * @param acceptOnly answer {@code accepted} as soon as the message has its place (webhooks: the provider must be
   *                   answered fast); otherwise wait up to {@code lockTimeout} for it to start (R6)
   */
  private void accept(String contactId, InboundMessage message, boolean acceptOnly, Message<Object> request) {
    long now = clock.getAsLong();
    JsonObject messageJson = message.toJson();
    metrics.received();
    if (config.stepEvents()) {
      publish(Events.MESSAGE_RECEIVED, new JsonObject().put("contactId", contactId).put("message", messageJson)
        .put("timestamp", System.currentTimeMillis()));
    }
    if (stopping || lifecycle.isDraining()) {
      reject(request, contactId, messageJson, null, RejectReason.SHUTTING_DOWN, "the orchestrator is shutting down");
      return;
    }
    String dedupKey = dedup.keyOf(contactId, message.messageId());
    if (dedup.seen(dedupKey, now)) {
      metrics.duplicate();
      publish(Events.DUPLICATE_IGNORED, new JsonObject().put("contactId", contactId)
        .put("messageId", message.messageId()));
      answer(request, ProcessResult.ofDuplicate());
      return;
    }
    ContactLane lane = lanes.get(contactId);
    if (lane == null) {
      lane = new ContactLane(contactId);
      lanes.put(contactId, lane);
      lanesHighWater = Math.max(lanesHighWater, lanes.size());
    }
    String processId = processIdPrefix + (++processSequence);
    if (lane.queueSize() >= config.maxQueueSize()) {
      if (config.queueOverflow() == QueueOverflow.REJECT) {
        reject(request, contactId, messageJson, processId, RejectReason.QUEUE_FULL,
          "contact already has " + lane.queueSize() + " messages waiting (maxQueueSize)");
        forgetIfIdle(lane);
        return;
      }
      Pending oldest = lane.pollQueue();
      queuedDelta(-1);
      dedup.forget(oldest.dedupKey); // never processed: the provider's retry must not count as a duplicate
      finishUnprocessed(oldest, Outcome.DROPPED, Events.MESSAGE_DROPPED, "dropped",
        "dropped to make room for a newer message (queueOverflow=dropOldest)");
    } else if (queuedInShard >= maxQueuedInShard) {
      reject(request, contactId, messageJson, processId, RejectReason.OVERLOADED,
        "too many messages waiting on this node (maxTotalQueued)");
      forgetIfIdle(lane);
      return;
    }
    dedup.remember(dedupKey, now);
    Pending pending = new Pending(processId, contactId, message, messageJson, now, acceptOnly ? null : request);
    pending.answeredQueued = acceptOnly;
    pending.dedupKey = dedupKey;
    lane.enqueue(pending);
    queuedDelta(1);
    busy.add(lane);
    pump(lane);
    int position = lane.positionOf(pending);
    if (position > 0) {
      publish(Events.MESSAGE_QUEUED, new JsonObject().put("contactId", contactId).put("queueSize", lane.queueSize())
        .put("queuePosition", position).put("processId", processId).put("message", messageJson));
    }
    if (acceptOnly) {
      answer(request, ProcessResult.accepted(processId, position));
      return;
    }
    if (position == 0) {
      return; // started at once: the caller gets the processed result
    }
    if (config.lockTimeout() == 0) {
      answerQueued(lane, pending);
    } else {
      ContactLane waitingLane = lane;
      pending.lockWaitTimer = vertx.setTimer(config.lockTimeout(), id -> {
        pending.lockWaitTimer = -1;
        answerQueued(waitingLane, pending);
      });
    }
  }

  private void reject(Message<Object> request, String contactId, JsonObject messageJson, String processId,
                      RejectReason reason, String error) {
    metrics.rejected(reason);
    publish(Events.MESSAGE_REJECTED, new JsonObject().put("contactId", contactId).put("reason", reason.label())
      .put("error", error).put("message", messageJson));
    answer(request, ProcessResult.rejected(processId, reason.label(), error));
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
    answer(pending.caller, ProcessResult.queued(pending.processId, position));
    pending.caller = null;
    pending.answeredQueued = true;
  }

  // ---------------------------------------------------------------- processing

  /** Starts the lane's next message if it is free and has work, taking a node-wide permit or waiting for one. */
  private void pump(ContactLane lane) {
    if (lane.lease != null || lane.waitingForPermit || lane.queueSize() == 0) {
      return;
    }
    if (limit.acquireOrWait(context, () -> onPermitGranted(lane))) {
      startNext(lane);
    } else {
      lane.waitingForPermit = true;
    }
  }

  private void onPermitGranted(ContactLane lane) {
    lane.waitingForPermit = false;
    if (lane.lease == null && lane.queueSize() > 0) {
      startNext(lane);
    } else {
      limit.release(); // the work this permit was for is gone (unlocked, dropped or discarded)
      forgetIfIdle(lane);
    }
  }

  private void startNext(ContactLane lane) {
    Pending pending = lane.pollQueue();
    queuedDelta(-1);
    if (pending.lockWaitTimer >= 0) {
      vertx.cancelTimer(pending.lockWaitTimer);
      pending.lockWaitTimer = -1;
    }
    long now = clock.getAsLong();
    Lease lease = new Lease(lane, pending, ++fencingSequence, now);
    lane.lease = lease;
    leasesInShard++;
    metrics.leasesDelta(1);
    metrics.queueWait(now - pending.acceptedAt);
    deadlines.add(lease);
    if (config.stepEvents()) {
      publish(Events.LOCK_ACQUIRED, new JsonObject().put("contactId", lane.contactId)
        .put("processId", pending.processId).put("fencingToken", lease.token)
        .put("timestamp", System.currentTimeMillis()));
    }
    eventBus.send(Addresses.AGENT, new AgentTask(lane.contactId, pending.processId, pending.message, 1,
      System.currentTimeMillis() + config.processingTimeout(), lease.token, results));
  }

  /** An agent's answer: accepted only for the contact's current lease (same fencing token) before its deadline. */
  private void onAgentResult(AgentResult result) {
    ContactLane lane = lanes.get(result.contactId());
    Lease lease = lane == null ? null : lane.lease;
    boolean current = lease != null && lease.token == result.fencingToken();
    if (current && clock.getAsLong() - lease.startedAt >= config.processingTimeout()) {
      // Past its deadline but the timer has not run yet (a busy event loop runs due timers after queued messages):
      // the deadline, not the timer, decides.
      onTimeout(lease);
      current = false;
    }
    AgentOutcome outcome = result.outcome();
    if (!current) {
      // Fenced: the lease ended (timeout, unlock, shutdown). Never deliver; count real late answers.
      if (!outcome.cancelled()) {
        metrics.lateResult();
        publish(Events.LATE_RESULT_DISCARDED, new JsonObject().put("contactId", result.contactId())
          .put("processId", result.processId()).put("fencingToken", result.fencingToken())
          .put("lateByMs", System.currentTimeMillis() - result.deadlineEpochMs()));
      }
      return;
    }
    if (outcome.error() != null && clock.getAsLong() - lease.startedAt >= config.processingTimeout() - DEADLINE_SLACK_MS) {
      // The agent gave up at its deadline (e.g. its HTTP call timed out after context.remaining()): a timeout.
      onTimeout(lease);
    } else if (outcome.error() != null) {
      endLease(lease, Outcome.FAILED, null, outcome.error());
    } else if (outcome.response() == null || outcome.response().isBlank()) {
      endLease(lease, Outcome.FAILED, null, "the agent returned an empty response");
    } else {
      endLease(lease, Outcome.PROCESSED, outcome, null);
    }
  }

  private void onTimeout(Lease lease) {
    if (lease.lane.lease != lease) {
      return;
    }
    eventBus.publish(Addresses.AGENT_CANCEL, lease.pending.processId);
    endLease(lease, Outcome.TIMED_OUT, null,
      "processing timed out after " + config.processingTimeout() + " ms");
  }

  /** Ends a lease with one outcome: events, statistics, the caller's answer, then the lane's next message. */
  private void endLease(Lease lease, Outcome outcome, AgentOutcome reply, String error) {
    ContactLane lane = lease.lane;
    deadlines.remove(lease);
    lane.lease = null;
    leasesInShard--;
    metrics.leasesDelta(-1);
    limit.release();
    long duration = clock.getAsLong() - lease.startedAt;
    metrics.processingTime(duration);
    metrics.outcome(outcome);
    Pending pending = lease.pending;
    ProcessResult result = switch (outcome) {
      case PROCESSED -> ProcessResult.processed(pending.processId, reply.response());
      case TIMED_OUT -> ProcessResult.failed(ProcessResult.Status.TIMED_OUT, pending.processId,
        config.fallbackResponse(), error);
      default -> ProcessResult.failed(ProcessResult.Status.FAILED, pending.processId, config.fallbackResponse(), error);
    };
    if (outcome == Outcome.FAILED) {
      publish(Events.PROCESSING_ERROR, new JsonObject().put("contactId", lane.contactId)
        .put("processId", pending.processId).put("error", error).put("message", pending.messageJson));
    } else if (outcome == Outcome.TIMED_OUT) {
      publish(Events.PROCESSING_TIMEOUT, new JsonObject().put("contactId", lane.contactId)
        .put("processId", pending.processId).put("timeout", config.processingTimeout())
        .put("message", pending.messageJson));
    }
    JsonObject processed = new JsonObject()
      .put("contactId", lane.contactId)
      .put("processId", pending.processId)
      .put("messageId", pending.message.messageId())
      .put("outcome", outcome.label())
      .put("response", result.response())
      .put("fallback", result.fallback())
      .put("queued", pending.answeredQueued)
      .put("duration", duration)
      .put("message", pending.messageJson);
    if (reply != null && reply.metadata() != null) {
      processed.put("metadata", reply.metadata());
    }
    publish(Events.MESSAGE_PROCESSED, processed);
    if (config.stepEvents() || outcome != Outcome.PROCESSED) { // forced releases (R5, R7, R8) are always announced
      publish(Events.LOCK_RELEASED, new JsonObject().put("contactId", lane.contactId).put("duration", duration)
        .put("processId", pending.processId));
    }
    pump(lane);
    forgetIfIdle(lane);
    completeDrainIfIdle();
    // Last: whoever learns the result finds the shard's state already consistent with it.
    if (pending.caller != null) {
      answer(pending.caller, result);
      pending.caller = null;
    }
  }

  /** Ends a message that never ran (dropped or discarded): its event, its count, and the waiting caller's answer. */
  private void finishUnprocessed(Pending pending, Outcome outcome, String event, String reason, String error) {
    if (pending.lockWaitTimer >= 0) {
      vertx.cancelTimer(pending.lockWaitTimer);
      pending.lockWaitTimer = -1;
    }
    metrics.outcome(outcome);
    publish(event, new JsonObject().put("contactId", pending.contactId).put("processId", pending.processId)
      .put("outcome", outcome.label()).put("reason", error).put("message", pending.messageJson));
    if (pending.caller != null) {
      answer(pending.caller, ProcessResult.rejected(pending.processId, reason, error));
      pending.caller = null;
    }
  }

  // ---------------------------------------------------------------- operations

  /**
   * R7: releases leases older than {@code processingTimeout} + grace (outcome {@code timed_out}) and restarts
   * stalled lanes (free, with a queue, not waiting for a permit). A safety net behind {@link LeaseDeadlines}.
   */
  int detectAndResolveDeadlocks() {
    long now = clock.getAsLong();
    int resolved = 0;
    for (ContactLane lane : new ArrayList<>(busy)) {
      Lease lease = lane.lease;
      if (lease != null && now - lease.startedAt > config.processingTimeout() + STALE_LEASE_GRACE_MS) {
        LOG.warn("Releasing stale lease of contact {} (process {}, {} ms old)", lane.contactId,
          lease.pending.processId, now - lease.startedAt);
        eventBus.publish(Addresses.AGENT_CANCEL, lease.pending.processId);
        endLease(lease, Outcome.TIMED_OUT, null, "stale lease released by deadlock detection");
        resolved++;
      } else if (lease == null && !lane.waitingForPermit && lane.queueSize() > 0) {
        LOG.warn("Restarting stalled queue of contact {} ({} waiting)", lane.contactId, lane.queueSize());
        pump(lane);
        resolved++;
      }
    }
    if (resolved > 0) {
      metrics.deadlocksResolved(resolved);
      publish(Events.DEADLOCKS_RESOLVED, new JsonObject().put("count", resolved)
        .put("timestamp", System.currentTimeMillis()).put("shard", index));
    }
    return resolved;
  }

  /** R8: releases the contact's lease (fenced; the in-flight message fails with the fallback) and resumes its queue. */
  private int emergencyUnlock(String contactId) {
    ContactLane lane = lanes.get(contactId);
    if (lane == null || lane.lease == null) {
      return 0;
    }
    Lease lease = lane.lease;
    LOG.warn("Emergency unlock of contact {} (process {})", contactId, lease.pending.processId);
    eventBus.publish(Addresses.AGENT_CANCEL, lease.pending.processId);
    endLease(lease, Outcome.FAILED, null, "emergency unlock");
    return 1;
  }

  private void onUnlock(Message<JsonObject> request) {
    String contactId = ContactIds.optional(request.body());
    int unlocked = 0;
    if (contactId != null) {
      unlocked = emergencyUnlock(contactId);
    } else {
      for (ContactLane lane : new ArrayList<>(busy)) {
        unlocked += emergencyUnlock(lane.contactId);
      }
    }
    request.reply(new JsonObject().put("unlocked", unlocked));
  }

  private void onStatus(Message<JsonObject> request) {
    String contactId = ContactIds.optional(request.body());
    ContactLane lane = contactId == null ? null : lanes.get(contactId);
    long now = clock.getAsLong();
    JsonObject status = new JsonObject().put("contactId", contactId).put("known", lane != null)
      .put("locked", lane != null && lane.lease != null)
      .put("queueSize", lane == null ? 0 : lane.queueSize())
      .put("waitingForPermit", lane != null && lane.waitingForPermit)
      .put("shard", index);
    if (lane != null && lane.lease != null) {
      status.put("processId", lane.lease.pending.processId).put("leaseAgeMs", now - lane.lease.startedAt);
    }
    Pending oldest = lane == null ? null : lane.peekQueue();
    if (oldest != null) {
      status.put("oldestWaitMs", now - oldest.acceptedAt);
    }
    request.reply(status);
  }

  /** This shard's part of {@code getStats()}: counts plus capped lists (largest first). */
  private JsonObject shardStats() {
    long now = clock.getAsLong();
    int contactsWithQueues = 0;
    List<ContactLane> leased = new ArrayList<>();
    List<ContactLane> queued = new ArrayList<>();
    for (ContactLane lane : busy) {
      if (lane.lease != null) {
        leased.add(lane);
      }
      if (lane.queueSize() > 0) {
        contactsWithQueues++;
        queued.add(lane);
      }
    }
    int cap = config.statsListLimit();
    JsonArray active = new JsonArray();
    leased.stream().sorted(Comparator.comparingLong(lane -> lane.lease.startedAt)).limit(cap)
      .forEach(lane -> active.add(new JsonObject().put("contactId", lane.contactId)
        .put("processId", lane.lease.pending.processId).put("leaseAgeMs", now - lane.lease.startedAt)));
    JsonArray queueDetails = new JsonArray();
    queued.stream().sorted(Comparator.comparingInt(ContactLane::queueSize).reversed()).limit(cap)
      .forEach(lane -> queueDetails.add(new JsonObject().put("contactId", lane.contactId)
        .put("queueSize", lane.queueSize()).put("oldestWaitMs", now - lane.peekQueue().acceptedAt)));
    return new JsonObject()
      .put("shard", index)
      .put("currentlyProcessing", leasesInShard)
      .put("totalQueued", queuedInShard)
      .put("contactsWithQueues", contactsWithQueues)
      .put("activeContactCount", leased.size())
      .put("rememberedContacts", lanes.size())
      .put("dedupEntries", dedup.size())
      .put("activeContacts", active)
      .put("queueDetails", queueDetails);
  }

  // ---------------------------------------------------------------- memory and shutdown

  /** A lane that has nothing to do leaves the busy set and moves to the tail of the eviction order. */
  private void forgetIfIdle(ContactLane lane) {
    if (!lane.idle()) {
      return;
    }
    busy.remove(lane);
    lane.idleSince = clock.getAsLong();
    lanes.remove(lane.contactId);
    lanes.put(lane.contactId, lane);
  }

  /** R12: forgets contacts idle for longer than {@code idleContactTtl}. Idle lanes sit in idle-since order. */
  private void evictIdleContacts() {
    long now = clock.getAsLong();
    int evicted = 0;
    Iterator<ContactLane> iterator = lanes.values().iterator();
    while (iterator.hasNext()) {
      ContactLane lane = iterator.next();
      if (!lane.idle()) {
        continue;
      }
      if (now - lane.idleSince < config.idleContactTtl()) {
        break;
      }
      iterator.remove();
      evicted++;
    }
    if (evicted > 0 && lanes.size() < lanesHighWater / 4 && lanesHighWater > 4_096) {
      lanes = new LinkedHashMap<>(lanes); // give back the table a burst of contacts grew
      lanesHighWater = lanes.size();
    }
    if (evicted > 0) {
      metrics.evicted(evicted);
      publish(Events.CONTACTS_EVICTED, new JsonObject().put("count", evicted).put("remaining", lanes.size())
        .put("shard", index));
    }
  }

  private void completeDrainIfIdle() {
    if (drained != null && leasesInShard == 0 && queuedInShard == 0) {
      drained.tryComplete();
    }
  }

  /** After the grace period: every message still waiting or running ends as {@code discarded_on_shutdown}. */
  private JsonObject discardEverything() {
    int locksReleased = 0;
    int messagesDropped = 0;
    for (ContactLane lane : new ArrayList<>(busy)) {
      Pending waiting;
      while ((waiting = lane.pollQueue()) != null) {
        queuedDelta(-1);
        finishUnprocessed(waiting, Outcome.DISCARDED_ON_SHUTDOWN, Events.MESSAGE_DISCARDED,
          RejectReason.SHUTTING_DOWN.label(), "discarded: shutdown grace period ended before it was processed");
        messagesDropped++;
      }
      Lease lease = lane.lease;
      if (lease != null) {
        eventBus.publish(Addresses.AGENT_CANCEL, lease.pending.processId);
        deadlines.remove(lease);
        lane.lease = null;
        leasesInShard--;
        metrics.leasesDelta(-1);
        limit.release();
        finishUnprocessed(lease.pending, Outcome.DISCARDED_ON_SHUTDOWN, Events.MESSAGE_DISCARDED,
          RejectReason.SHUTTING_DOWN.label(), "discarded: shutdown grace period ended while it was processing");
        publish(Events.LOCK_RELEASED, new JsonObject().put("contactId", lane.contactId)
          .put("duration", clock.getAsLong() - lease.startedAt).put("processId", lease.pending.processId));
        locksReleased++;
        messagesDropped++;
      }
    }
    if (locksReleased + messagesDropped > 0) {
      LOG.warn("Shard {} shut down with {} leases released and {} messages discarded", index, locksReleased,
        messagesDropped);
    }
    return new JsonObject().put("locksReleased", locksReleased).put("messagesDropped", messagesDropped);
  }

  private void queuedDelta(int delta) {
    queuedInShard += delta;
    metrics.queuedDelta(delta);
  }

  private void publish(String event, JsonObject payload) {
    eventBus.publish(Addresses.event(event), payload, EventJsonCodec.DELIVERY);
  }
}
