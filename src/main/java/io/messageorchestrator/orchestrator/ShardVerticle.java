package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.AgentTask;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.WireFormat;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.messageorchestrator.journal.ContactPause;
import io.messageorchestrator.journal.HistoryTurn;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.ShardFencedException;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One orchestrator shard: owns the contacts with {@code floorMod(hash(contactId), shards) == index}. A thin adapter
 * around the shard's plain classes — {@link ShardIntake} (acceptance, deduplication, caps) and
 * {@link ContactStateMachine} (lanes, queues, leases, outcomes, eviction) — which live on this verticle's event-loop
 * context, so their rules hold without a single lock:
 * <ul>
 *   <li>R1 at most one lease per contact; R2 a lane's queue is FIFO and only the lease holder's completion starts
 *   the next message;</li>
 *   <li>R3 a lane takes a node-wide permit ({@link GlobalConcurrencyLimit}) for each message and waits in line
 *   when there is none;</li>
 *   <li>R5 each lease has a deadline ({@link LeaseDeadlines}: one timer per shard) and a fencing token: a result
 *   for an ended lease is discarded.</li>
 * </ul>
 * The verticle itself only parses and forwards requests, runs the periodic sweeps, sends agent tasks, publishes
 * events and times the shutdown drain (R11).
 */
public final class ShardVerticle extends VerticleBase implements ShardEffects {
  /** Kept for the tests written against the verticle; the rule lives in {@link ContactStateMachine}. */
  static final long STALE_LEASE_GRACE_MS = ContactStateMachine.STALE_LEASE_GRACE_MS;

  private final int index;
  private final int shardCount;
  private final OrchestratorConfig config;
  private final GlobalConcurrencyLimit limit;
  private final OrchestratorMetrics metrics;
  private final Lifecycle lifecycle;
  private final TimeSource time;
  private final String processIdPrefix;
  private final Journal journal;
  /** Messages the journal held at start for this shard's conversations, in acceptance order (J5). */
  private List<JournalEntry> recovered;
  /** Pauses the journal held at start for this shard's conversations (V3). */
  private List<ContactPause> recoveredPauses;
  /** History the journal held at start for this shard's conversations (V4, SQLite). */
  private List<HistoryTurn> recoveredHistory = List.of();
  private ContactStateMachine machine;
  private ShardIntake intake;
  private EventBus eventBus;
  /** Vert.x timers on this shard's context (the one implementation, also used by {@link LeaseDeadlines}). */
  private Timers timers;
  private ResultInbox results;
  /** Told when the journal refuses a write because another node owns the shard now (cluster mode). */
  private Consumer<ShardFencedException> fenced = lost -> { };
  /** Forwards what the public address brings for another shard (in a cluster, perhaps another node's). */
  private ShardRouter router;
  private Future<JsonObject> drainResult;

  /** @param clock monotonic milliseconds for durations (ages, dedup windows, idle times); injectable in tests */
  public ShardVerticle(int index, int shardCount, OrchestratorConfig config, GlobalConcurrencyLimit limit,
                       OrchestratorMetrics metrics, Lifecycle lifecycle, LongSupplier clock, String nodeId,
                       Journal journal, List<JournalEntry> recovered, List<ContactPause> recoveredPauses) {
    this.index = index;
    this.shardCount = shardCount;
    this.config = config;
    this.limit = limit;
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.time = TimeSource.of(clock);
    this.processIdPrefix = nodeId + "-" + index + "-";
    this.journal = journal;
    this.recovered = recovered;
    this.recoveredPauses = recoveredPauses;
  }

  /**
   * Cluster mode: {@code handler} hears (on this shard's context) each write the journal refused because the shard's
   * ownership epoch was superseded; the node then gives the shard up. Set before the verticle is deployed.
   */
  public ShardVerticle onFenced(Consumer<ShardFencedException> handler) {
    this.fenced = handler;
    return this;
  }

  /** V4: the conversations' history the journal held at start (SQLite), for this shard. Set before deploying. */
  public ShardVerticle withHistory(List<HistoryTurn> history) {
    this.recoveredHistory = history;
    return this;
  }

  @Override
  public Future<?> start() {
    eventBus = vertx.eventBus();
    timers = Timers.of(vertx);
    JournalWrites journalWrites = new JournalWrites(journal, time, this, lost -> fenced.accept(lost));
    machine = new ContactStateMachine(index, config, limit, task -> context.runOnContext(v -> task.run()), metrics,
      lifecycle, time, this, journalWrites);
    intake = new ShardIntake(machine, shardCount, processIdPrefix, config, metrics, time, this, journalWrites);
    results = new ResultInbox(context, machine::onAgentResult); // before recovery: it starts agent calls
    machine.history().restore(recoveredHistory); // before recovered messages run: their calls get it (V4)
    recoveredHistory = List.of();
    // Pauses first: a paused conversation's recovered messages are held again, not queued (V3).
    recoveredPauses.forEach(machine.pauses()::restore);
    recoveredPauses = List.of();
    recovered.forEach(intake::recover); // before any consumer exists: recovered messages come first (R2)
    recovered = List.of();
    machine.pauses().resumeExpired(); // pauses that ran out while the service was down
    router = new ShardRouter(vertx, shardCount, config.lockTimeout() + config.processingTimeout() + 30_000);
    vertx.setPeriodic(config.deadlockCheckInterval(), id -> machine.operations().detectAndResolveDeadlocks());
    long sweepEvery = Math.max(50, Math.min(config.idleContactTtl() / 2, 60_000));
    vertx.setPeriodic(sweepEvery, id -> machine.operations().evictIdleContacts());
    List<MessageConsumer<?>> consumers = new ArrayList<>(List.of(
      eventBus.<Object>consumer(Addresses.shard(index, "process"), message -> onProcess(message, false)),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "stats"),
        message -> message.reply(ShardReports.stats(machine, intake, index, config.statsListLimit()))),
      eventBus.consumer(Addresses.shard(index, "ping"), message -> message.reply(null)), // readiness: ShardHealth
      eventBus.<JsonObject>consumer(Addresses.shard(index, "status"),
        message -> message.reply(ShardReports.status(machine, index, ContactIds.optional(message.body()),
          conversationKey(message.body())))),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "unlock"), this::onUnlock),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "pause"), this::onPause),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "resume"), this::onResume),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "businessMessage"), this::onBusinessMessage),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "replySent"), this::onReplySent),
      eventBus.<JsonObject>consumer(Addresses.shard(index, Addresses.SHARD_HISTORY_ERASE), this::onHistoryErase),
      eventBus.<JsonObject>consumer(Addresses.shard(index, "deadlocks"),
        message -> message.reply(new JsonObject().put("resolved", machine.operations().detectAndResolveDeadlocks())))));
    if (index == 0 && !vertx.isClustered()) {
      // One entry point on one context: it forwards in arrival order, so a sender's messages keep their order (R2).
      // (In a cluster every node has a ProcessEntryVerticle instead: shard 0 lives on one node and moves.)
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
      Promise<Void> drained = Promise.promise();
      long graceTimer = vertx.setTimer(Math.max(1, config.shutdownGracePeriod()), id -> {
        machine.endGracePeriod(); // before any discarding: no shard starts anything from now on
        drained.tryComplete();
      });
      machine.stopAccepting(drained::tryComplete);
      drainResult = drained.future().map(v -> {
        vertx.cancelTimer(graceTimer);
        return machine.discardEverything();
      });
    }
    return drainResult;
  }

  /**
   * A process request: a {@link ProcessRequest} record from {@link OrchestratorClient} (answered with a
   * {@link ProcessResult} record), or the JSON form from any other sender (answered with JSON). The public address is
   * served by shard 0 alone, which forwards what it does not own.
   */
  private void onProcess(Message<Object> request, boolean mayForward) {
    ProcessRequest process;
    try {
      process = ProcessRequests.parse(request.body());
    } catch (InvalidRequestException e) {
      request.fail(400, e.getMessage());
      return;
    }
    String contactId = process.contactId();
    int owner = ContactIds.shardOf(Accounts.conversationKey(process.account(), contactId), shardCount);
    if (owner != index) {
      if (!mayForward) {
        request.fail(400, "contact " + contactId + " belongs to shard " + owner);
        return;
      }
      router.forward(process, request);
      return;
    }
    // Answers in the form the request came in: a record for a record, JSON for JSON.
    boolean typed = request.body() instanceof ProcessRequest;
    intake.accept(process, result -> request.reply(typed ? result : WireFormat.stamp(result.toJson())));
  }

  /** The conversation key of a validated {@code {contactId, account?}} request (AdminVerticle checked it). */
  private static String conversationKey(JsonObject body) {
    String contactId = ContactIds.optional(body);
    return contactId == null ? null : Accounts.conversationKey(Accounts.require(body.getValue("account")), contactId);
  }

  /** V3, validated by the AdminVerticle: {@code {contactId, account, ttl, reason, by}}. */
  private void onPause(Message<JsonObject> request) {
    JsonObject body = request.body();
    ContactLane lane = machine.contacts().getOrCreate(Accounts.require(body.getValue("account")),
      body.getString("contactId"), time.monotonicMillis());
    machine.pauses().pause(lane, body.getLong("ttl"), body.getString("by"), body.getString("reason"))
      .onSuccess(pause -> request.reply(pause.toJson().put("paused", true).put("held", lane.heldCount())))
      .onFailure(failure -> request.fail(503, "paused on this node, but the journal could not record it (a restart"
        + " would forget it): " + failure.getMessage()));
  }

  private void onResume(Message<JsonObject> request) {
    JsonObject body = request.body();
    String account = Accounts.require(body.getValue("account"));
    ContactLane lane = machine.contacts().get(Accounts.conversationKey(account, body.getString("contactId")));
    JsonObject answer = lane == null ? new JsonObject().put("resumed", false).put("held", 0)
      : machine.pauses().resume(lane, body.getString("by", Pauses.BY_OPERATOR), body.getString("reason"));
    request.reply(answer.put("contactId", body.getString("contactId")).put("account", account));
  }

  /** A message the business sent from its own phone (Evolution {@code fromMe}, Cloud API echo). */
  private void onBusinessMessage(Message<JsonObject> request) {
    JsonObject body = request.body();
    ContactLane lane = machine.contacts().getOrCreate(Accounts.require(body.getValue("account")),
      body.getString("contactId"), time.monotonicMillis());
    machine.pauses().businessMessage(lane, body.getString("providerMessageId"), body.getString("text"),
        machine.sentReplies())
      .onSuccess(request::reply)
      .onFailure(failure -> request.fail(503, failure.getMessage()));
  }

  /** J12: the conversation's data was erased from the journal; its history in memory goes too (V4). */
  private void onHistoryErase(Message<JsonObject> request) {
    JsonObject body = request.body();
    int erased = machine.history().erase(Accounts.require(body.getValue("account")), body.getString("contactId"));
    request.reply(new JsonObject().put("history", erased));
  }

  /** The outbound verticle delivered a reply and the provider named it: its echo will carry that id. */
  private void onReplySent(Message<JsonObject> report) {
    SentReplies sent = machine.sentReplies();
    JsonObject body = report.body();
    if (sent != null && body.getString("providerMessageId") != null && body.getString("processId") != null) {
      sent.delivered(Accounts.conversationKey(Accounts.require(body.getValue("account")), body.getString("contactId")),
        body.getString("processId"), body.getString("providerMessageId"), time.monotonicMillis());
    }
  }

  private void onUnlock(Message<JsonObject> request) {
    String contactId = ContactIds.optional(request.body());
    int unlocked = contactId == null ? machine.operations().emergencyUnlockAll() : machine.operations()
      .emergencyUnlock(Accounts.conversationKey(Accounts.require(request.body().getValue("account")), contactId));
    request.reply(new JsonObject().put("unlocked", unlocked));
  }

  // ---------------------------------------------------------------- ShardEffects

  @Override
  public void publish(String event, JsonObject payload) {
    eventBus.publish(Addresses.event(event), payload, EventJsonCodec.DELIVERY);
  }

  /**
   * The history comes from memory at once, or (PostgreSQL, a conversation not read yet) after its read, bounded by
   * a short timeout; a lease that ended meanwhile (its deadline, an unlock) is not called any more.
   */
  @Override
  public void startAgentCall(Lease lease) {
    machine.history().forCall(lease.lane.account, lease.lane.contactId).onComplete(history -> {
      if (lease.lane.lease != lease) {
        return;
      }
      eventBus.send(Addresses.AGENT, new AgentTask(lease.lane.account, lease.lane.contactId,
        lease.pending.processId, Coalescing.primaryMessage(lease.pending), lease.pending.attempts, lease.deadlineNanos,
        lease.token, results, lease.pending.heldBefore, Coalescing.messagesOf(lease.pending),
        history.succeeded() ? history.result() : List.of()));
    });
  }

  @Override
  public void cancelAgentCall(String processId) {
    eventBus.publish(Addresses.AGENT_CANCEL, processId);
  }

  @Override
  public long setTimer(long delayMillis, Runnable action) {
    return timers.setTimer(delayMillis, action);
  }

  @Override
  public void cancelTimer(long timerId) {
    timers.cancelTimer(timerId);
  }
}
