package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.config.OutboundSettings;
import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.core.Backoff;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.messageorchestrator.orchestrator.Outcomes.LeaseRelease;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The per-contact state machine of one shard: lanes, queues, leases and every message's one outcome. Plain Java,
 * confined to the shard's context; it reaches the outside world only through {@link ShardEffects} (events, agent
 * calls, timers), the node-wide {@link GlobalConcurrencyLimit} and the callers' answer callbacks, so tests drive it
 * without a Vert.x instance and with their own {@link TimeSource}.
 *
 * Messages come in through the shard's {@link ShardIntake}, which decides whether they are accepted.
 *
 * <p>Where it meets the journal ({@link JournalWrites}): {@link #startLease} records the attempt, {@link #finish} the
 * one outcome of every accepted message (see {@link Outcomes}). {@link #releaseLease} is the one lease teardown.
 */
final class ContactStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(ContactStateMachine.class);
  /** A lease this much older than {@code processingTimeout} is stale: its deadline should have ended it (R7). */
  static final long STALE_LEASE_GRACE_MS = 1_000;
  /** An agent error this close to the deadline is the agent giving up because of it (timers are ~1 ms coarse). */
  static final long DEADLINE_SLACK_MS = 10;

  private final int shardIndex;
  private final OrchestratorConfig config;
  private final GlobalConcurrencyLimit limit;
  /** Where permit grants run: the shard's context. */
  private final Executor shardContext;
  private final OrchestratorMetrics metrics;
  private final Lifecycle lifecycle;
  private final TimeSource time;
  private final ShardEffects effects;
  private final ContactTable contacts = new ContactTable();
  private final LeaseDeadlines deadlines;
  private final Outcomes outcomes;
  private final JournalWrites journal;
  private final Backoff retryBackoff; // J6: before a failed message's next attempt, as reply delivery waits
  private final ShardOperations operations;
  /** V3: paused conversations and their held messages. */
  private final Pauses pauses;
  /** V4: the conversations' history for the agent. */
  private final ConversationHistory history;
  /** V5b: per-conversation rate and daily agent-call limits. */
  private final ContactLimits limits;
  /** V3: replies recently sent, to recognise the provider's echoes; {@code null} when no echo can come. */
  private final SentReplies sentReplies;
  /** V1/V2: bursts being collected, and the mid-turn policy's calls of several messages. */
  private final Coalescing coalescing;
  private long fencingSequence;
  private int queuedInShard;
  private int leasesInShard;
  private boolean stopping;
  /** Runs once when stopping and nothing is queued or leased any more. */
  private Runnable onDrained;

  ContactStateMachine(int shardIndex, OrchestratorConfig config, GlobalConcurrencyLimit limit,
                      Executor shardContext, OrchestratorMetrics metrics, Lifecycle lifecycle, TimeSource time,
                      ShardEffects effects, JournalWrites journal) {
    this.shardIndex = shardIndex;
    this.config = config;
    this.limit = limit;
    this.shardContext = shardContext;
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.time = time;
    this.effects = effects;
    this.journal = journal;
    this.history = new ConversationHistory(config.conversation().historySize(),
      ConversationHistory.MAX_CONVERSATIONS_PER_NODE
        / (config.shards() > 0 ? config.shards() : Runtime.getRuntime().availableProcessors()), keptFinishedMs(config), time,
      effects, journal.historyLoader(), metrics);
    this.limits = new ContactLimits(config.conversation().rateLimit(), config.conversation().dailyAgentCalls(),
      time);
    this.outcomes = new Outcomes(config, metrics, effects, journal, history);
    this.retryBackoff = new Backoff(config.retry().initialBackoff(), config.retry().maxBackoff(),
      bound -> ThreadLocalRandom.current().nextLong(bound));
    this.operations = new ShardOperations(this, shardIndex, config, metrics, time, effects, journal);
    this.deadlines = new LeaseDeadlines(effects, time::timerNanos, config.processingTimeout(), this::onTimeout);
    this.pauses = new Pauses(this, config.handoff(), time, effects, journal, metrics);
    this.sentReplies = tracksEchoes(config) ? new SentReplies(config.handoff().echoWindow()) : null;
    this.coalescing = new Coalescing(this, config, effects);
  }

  /** How long the journal keeps a finished message ({@code max(dedupWindow, journal.retention)}): history's too. */
  private static long keptFinishedMs(OrchestratorConfig config) {
    return Math.max(config.dedupWindow(), config.journal().retention());
  }

  /**
   * Only providers that report the service's own sends back as the business's messages (Evolution's {@code fromMe},
   * Cloud API message echoes) need their replies remembered; a reply that leaves through the log or an HTTP callback
   * never comes back, so nothing is kept per reply then.
   */
  private static boolean tracksEchoes(OrchestratorConfig config) {
    return config.handoff().pauseOnBusinessReply()
      && (config.outbound().type() == OutboundSettings.Type.EVOLUTION
      || config.outbound().type() == OutboundSettings.Type.WHATSAPP_CLOUD);
  }

  // ---------------------------------------------------------------- intake (see ShardIntake)

  /**
   * The message is accepted (the {@link ShardIntake} checked it): it will get exactly one outcome. It joins its
   * lane's queue and starts at once if the lane is free and a permit is available.
   */
  void admit(ContactLane lane, Pending pending) {
    if (pauses.holding(lane)) {
      pauses.hold(lane, pending); // V3: never given to the agent while a human has the conversation
      return;
    }
    if (coalescing.on()) {
      coalescing.add(lane, pending); // V1: it waits for the contact to stop typing
      return;
    }
    List<Pending> interrupted = lane.lease == null ? null : interrupt(lane, 1);
    if (interrupted != null) {
      List<Pending> members = new ArrayList<>(interrupted);
      members.add(pending);
      Pending call = Coalescing.merge(members);
      lane.requeueFirst(call); // the interrupted call restarts at once, with the new message
      queuedDelta(1);
      pump(lane);
      return;
    }
    queueCall(lane, pending);
  }

  /** A call (one message, or a flushed burst) takes its place at the tail of the lane's queue. */
  void queueCall(ContactLane lane, Pending call) {
    lane.enqueue(call);
    queuedDelta(1);
    contacts.markBusy(lane);
    pump(lane);
  }

  /**
   * V2 {@code midTurn.policy=interrupt}: the lane's running call is cancelled — interrupted and fenced (its token is
   * dead: a late result is discarded, its reply never sent) — unless it was already restarted
   * {@code midTurn.maxRestarts} times in this turn or the restarted call would exceed {@code coalesce.maxMessages}
   * with the {@code incoming} messages. The restart does not use up an attempt. Returns the cancelled call's messages
   * and those queued behind it, oldest first, to go to the agent again with the new ones; {@code null} when the call
   * goes on.
   */
  List<Pending> interrupt(ContactLane lane, int incoming) {
    Lease lease = lane.lease;
    OrchestratorConfig.Coalesce settings = config.coalesce();
    if (settings.midTurn() != OrchestratorConfig.MidTurn.INTERRUPT || lease == null
      || lease.pending.restarts >= settings.maxRestarts()) {
      return null;
    }
    int queuedMessages = 0;
    for (Pending waiting : lane.waiting()) {
      queuedMessages += Coalescing.size(waiting);
    }
    if (Coalescing.size(lease.pending) + queuedMessages + incoming > settings.maxMessages()) {
      return null;
    }
    Pending call = lease.pending;
    effects.cancelAgentCall(call.processId);
    releaseLease(lease);
    call.attempts--; // a restart is not a failed attempt
    call.restarts++;
    journal.started(call, lease.token); // takes the recorded start back, as deferAttempt does
    List<Pending> members = new ArrayList<>(Coalescing.split(call));
    Pending waiting;
    while ((waiting = lane.pollQueue()) != null) {
      queuedDelta(-1);
      members.addAll(Coalescing.split(waiting));
    }
    effects.publish(Events.TURN_INTERRUPTED, OrchestratorEvents.turnInterrupted(lane, call, members.size(),
      time.monotonicMillis() - lease.startedAt));
    return members;
  }

  /** {@code queueOverflow=dropOldest}: the lane's oldest waiting message ends {@code dropped}; returns it. */
  Pending dropOldest(ContactLane lane, String error) {
    Pending oldest = lane.pollQueue();
    queuedDelta(-1);
    finish(oldest, Outcome.DROPPED, error);
    return oldest;
  }

  boolean isStopping() {
    return stopping || lifecycle.isDraining();
  }

  // ---------------------------------------------------------------- processing

  /** Starts the lane's next message if it is free and has work, taking a node-wide permit or waiting for one. */
  void pump(ContactLane lane) {
    if (lane.pause != null && pauses.holding(lane)) {
      pauses.holdWaiting(lane); // e.g. a retry that was waiting when the pause came
      return;
    }
    if (lane.lease != null || lane.waitingForPermit || lane.queueSize() == 0 || lane.retryTimer >= 0) {
      return;
    }
    if (limit.acquireOrWait(shardContext, () -> onPermitGranted(lane))) {
      startLease(lane);
    } else {
      lane.waitingForPermit = true;
    }
  }

  private void onPermitGranted(ContactLane lane) {
    lane.waitingForPermit = false;
    if (lane.lease == null && lane.queueSize() > 0 && lane.retryTimer < 0 && !limit.isClosed()) {
      startLease(lane);
    } else {
      limit.release(); // the work this permit was for is gone (unlocked, dropped or discarded)
      contacts.markIdleIfIdle(lane, time.monotonicMillis());
    }
  }

  /**
   * The lane's next message starts processing (the lane holds a permit) — unless it is older than
   * {@code maxMessageAge} (J7): such messages end {@code expired} without an agent call, and the next one is tried.
   */
  private void startLease(ContactLane lane) {
    Pending pending = nextCall(lane);
    while (expire(pending)) {
      if (lane.queueSize() == 0) {
        limit.release();
        contacts.markIdleIfIdle(lane, time.monotonicMillis());
        completeDrainIfIdle();
        return;
      }
      pending = nextCall(lane);
    }
    cancelLockWait(pending);
    pending.coalesced.forEach(this::cancelLockWait);
    pending.attempts++;
    long now = time.monotonicMillis();
    Lease lease = new Lease(lane, pending, ++fencingSequence, now);
    lane.lease = lease;
    leasesInShard++;
    metrics.leasesDelta(1);
    metrics.queueWait(now - pending.acceptedAt);
    deadlines.add(lease);
    limits.agentCallStarted(lane.key);
    journal.started(pending, lease.token);
    if (config.stepEvents()) {
      effects.publish(Events.LOCK_ACQUIRED,
        OrchestratorEvents.lockAcquired(lane.contactId, pending.processId, lease.token, time.wallMillis()));
    }
    effects.startAgentCall(lease);
  }

  /**
   * The lane's next call: its head, and with {@code midTurn.policy} {@code merge} or {@code interrupt} also the
   * calls waiting behind it, merged, up to {@code coalesce.maxMessages} messages (V2).
   */
  private Pending nextCall(ContactLane lane) {
    Pending head = lane.pollQueue();
    queuedDelta(-1);
    if (config.coalesce().midTurn() == OrchestratorConfig.MidTurn.QUEUE || lane.queueSize() == 0) {
      return head;
    }
    List<Pending> members = new ArrayList<>(Coalescing.split(head));
    Pending next;
    while ((next = lane.peekQueue()) != null
      && members.size() + Coalescing.size(next) <= config.coalesce().maxMessages()) {
      lane.pollQueue();
      queuedDelta(-1);
      members.addAll(Coalescing.split(next));
    }
    return Coalescing.merge(members);
  }

  /** J7: ends the message {@code expired} if its age (provider timestamp, else acceptance) is over the limit. */
  private boolean expire(Pending pending) {
    long sentAt = pending.message.timestamp() > 0 && journal.durable()
      ? Math.min(pending.message.timestamp(), pending.acceptedAtJournal) : pending.acceptedAtJournal;
    long age = journal.now() - sentAt;
    if (age <= config.maxMessageAge()) {
      return false;
    }
    effects.publish(Events.MESSAGE_EXPIRED, OrchestratorEvents.messageExpired(pending, age));
    finish(pending, Outcome.EXPIRED, "older than maxMessageAge (" + age + " ms) when its turn came");
    return true;
  }

  /** An agent's answer: accepted only for the contact's current lease (same fencing token) before its deadline. */
  void onAgentResult(AgentResult result) {
    ContactLane lane = contacts.get(Accounts.conversationKey(result.account(), result.contactId()));
    Lease lease = lane == null ? null : lane.lease;
    boolean current = lease != null && lease.token == result.fencingToken();
    if (current && time.monotonicMillis() - lease.startedAt >= config.processingTimeout()) {
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
        effects.publish(Events.LATE_RESULT_DISCARDED, OrchestratorEvents.lateResultDiscarded(result.contactId(),
          result.processId(), result.fencingToken(), (time.timerNanos() - result.deadlineNanos()) / 1_000_000));
      }
      return;
    }
    if (outcome.notAttempted()) {
      deferAttempt(lease, outcome.retryAfterMs());
      return;
    }
    boolean atDeadline = time.monotonicMillis() - lease.startedAt >= config.processingTimeout() - DEADLINE_SLACK_MS;
    if (outcome.error() != null && atDeadline) {
      // The agent gave up at its deadline (e.g. its HTTP call timed out after context.remaining()): a timeout.
      onTimeout(lease);
    } else if (outcome.error() != null && !outcome.retryable()) {
      // Another attempt would get the same answer (e.g. the agent's API refused the request): fail now.
      endLease(lease, Outcome.FAILED, null, outcome.error(), LeaseRelease.ORDINARY);
    } else if (outcome.error() != null) {
      failAttempt(lease, Outcome.FAILED, outcome.error(), LeaseRelease.ORDINARY);
    } else if (outcome.response() == null || outcome.response().isBlank()) {
      failAttempt(lease, Outcome.FAILED, "the agent returned an empty response", LeaseRelease.ORDINARY);
    } else {
      endLease(lease, Outcome.PROCESSED, outcome, null, LeaseRelease.ORDINARY);
    }
  }

  private void onTimeout(Lease lease) {
    if (lease.lane.lease != lease) {
      return;
    }
    effects.cancelAgentCall(lease.pending.processId);
    failAttempt(lease, Outcome.TIMED_OUT, "processing timed out after " + config.processingTimeout() + " ms",
      LeaseRelease.FORCED);
  }

  /**
   * J6b: the agent was not called (its circuit is open): the message goes back to the head of its lane without
   * using up an attempt and waits (journaled) until the circuit may let a call through.
   */
  private void deferAttempt(Lease lease, long retryAfterMs) {
    Pending pending = lease.pending;
    pending.attempts--;
    journal.started(pending, lease.token); // takes the recorded start back: restarts must not count it either
    requeueAfter(lease, retryAfterMs);
  }

  /** The lease ends without an outcome; its message waits at the head of its lane for {@code delay} ms. */
  private void requeueAfter(Lease lease, long delay) {
    Pending pending = lease.pending;
    ContactLane lane = lease.lane;
    releaseLease(lease);
    lane.requeueFirst(pending);
    queuedDelta(1);
    lane.retryTimer = effects.setTimer(delay, () -> {
      lane.retryTimer = -1;
      pump(lane);
    });
    if (pending.caller != null) {
      answer(pending, ProcessResult.queued(pending.processId, lane.positionOf(pending)));
      pending.answeredQueued = true;
    }
  }

  /**
   * J6: an attempt failed or timed out. With attempts left the message goes back to the head of its lane and is
   * tried again after a backoff (the lane's later messages wait: R2); the caller still waiting is told
   * {@code queued} — never a non-final outcome. Otherwise the failure is final: the message is dead-lettered.
   */
  void failAttempt(Lease lease, Outcome outcome, String error, LeaseRelease release) {
    Pending pending = lease.pending;
    // After the grace period nothing starts again in this process: with the memory journal the failure is final; a
    // durable journal keeps the message (requeued here, kept by discardEverything) for the next start (R11).
    boolean noRetryHere = isStopping() && limit.isClosed() && !journal.durable();
    if (pending.attempts >= config.retry().maxAttempts() || noRetryHere) {
      endLease(lease, outcome, null, error, release);
      return;
    }
    long duration = time.monotonicMillis() - lease.startedAt;
    long delay = retryBackoff.delay(pending.attempts, -1);
    outcomes.attemptFailed(pending, outcome, error, release, duration, time.wallMillis() + delay);
    requeueAfter(lease, delay);
  }

  /** A lease ends with an outcome of processing; the lane goes on with its next message. */
  void endLease(Lease lease, Outcome outcome, AgentOutcome reply, String error, LeaseRelease release) {
    ContactLane lane = lease.lane;
    releaseLease(lease);
    ProcessResult result = finish(lease.pending, outcome, reply, error, lease, release);
    if (sentReplies != null && result.response() != null
      && (outcome == Outcome.PROCESSED || config.outbound().sendFallbacks())) {
      sentReplies.replied(lane.key, lease.pending.processId, result.response(), time.monotonicMillis());
    }
    if (outcome == Outcome.PROCESSED && reply != null && reply.handoff()) {
      // V3: the agent asked for a human. Its reply is out (messageProcessed above); nothing more goes to the agent.
      pauses.pause(lane, config.handoff().pauseTtl(), Pauses.BY_AGENT, "the agent asked for a human");
    }
    pump(lane);
    contacts.markIdleIfIdle(lane, time.monotonicMillis());
    // Whoever learns the result finds the shard's state already consistent with it; the answer goes out before a
    // drain can complete, so shutdown never overtakes the last caller's reply.
    answer(lease.pending, result);
    completeDrainIfIdle();
  }

  /** The one lease teardown: its deadline, the lane's lock, the counts and the node-wide permit. */
  void releaseLease(Lease lease) {
    deadlines.remove(lease);
    lease.lane.lease = null;
    leasesInShard--;
    metrics.leasesDelta(-1);
    limit.release();
  }

  /** A message that never ran (dropped or discarded): its outcome, and the waiting caller's answer. */
  void finish(Pending pending, Outcome outcome, String error) {
    cancelLockWait(pending);
    answer(pending, finish(pending, outcome, null, error, null, LeaseRelease.NONE));
  }

  /**
   * Where every accepted message ends, exactly once (R9): see {@link Outcomes}. {@code lease} is the lease it held
   * (already released), or {@code null} if it never started. Returns the answer for the waiting caller.
   */
  ProcessResult finish(Pending pending, Outcome outcome, AgentOutcome reply, String error, Lease lease,
                               LeaseRelease release) {
    long duration = lease == null ? 0 : time.monotonicMillis() - lease.startedAt;
    return outcomes.record(pending, outcome, reply, error, release, duration);
  }

  static void answer(Pending pending, ProcessResult result) {
    if (pending.caller != null) {
      Consumer<ProcessResult> caller = pending.caller;
      pending.caller = null;
      caller.accept(result);
    }
  }

  void cancelLockWait(Pending pending) {
    if (pending.lockWaitTimer >= 0) {
      effects.cancelTimer(pending.lockWaitTimer);
      pending.lockWaitTimer = -1;
    }
  }

  // ---------------------------------------------------------------- operations (see ShardOperations)

  /** V3: paused conversations. */
  Pauses pauses() {
    return pauses;
  }

  /** V1/V2: bursts and calls of several messages. */
  Coalescing coalescing() {
    return coalescing;
  }

  /** V4: the conversations' history. */
  ConversationHistory history() {
    return history;
  }

  /** V5b: per-conversation limits. */
  ContactLimits limits() {
    return limits;
  }

  /** V3: the replies sent lately ({@code null} when the outbound provider sends no echoes). */
  SentReplies sentReplies() {
    return sentReplies;
  }

  /** The operator's and the sweeps' view: R7, R8, R12. */
  ShardOperations operations() {
    return operations;
  }

  // ---------------------------------------------------------------- shutdown

  /** R11: refuses new messages from now on; {@code onDrained} runs once nothing is queued or leased. */
  void stopAccepting(Runnable onDrained) {
    stopping = true;
    this.onDrained = onDrained;
    if (!journal.durable()) {
      // The memory journal forgets them: open bursts go to the agent within the grace period. A durable journal
      // keeps them for the next start, which resumes their window (an early flush would answer half a burst).
      coalescing.flushAll();
    }
    completeDrainIfIdle();
  }

  private void completeDrainIfIdle() {
    if (onDrained != null && leasesInShard == 0 && queuedInShard == 0) {
      Runnable drained = onDrained;
      onDrained = null;
      drained.run();
    }
  }

  /**
   * The shutdown grace period is over (R11): nothing starts any more, on any shard. Closing the node-wide limit
   * before any shard discards means the permits a discarding shard frees go to nobody; a grant already on its way
   * is refused in {@link #onPermitGranted}. Call it before {@link #discardEverything()}; not when a shard merely
   * drained early (the others may still use their grace period).
   */
  void endGracePeriod() {
    stopping = true;
    limit.close();
  }

  /** After the grace period (R11): see {@link ShardOperations#discardEverything()}. */
  JsonObject discardEverything() {
    stopping = true;
    onDrained = null;
    return operations.discardEverything();
  }

  void queuedDelta(int delta) {
    queuedInShard += delta;
    metrics.queuedDelta(delta);
  }

  // ---------------------------------------------------------------- read-only views (statistics, status)

  ContactTable contacts() {
    return contacts;
  }

  int queuedInShard() {
    return queuedInShard;
  }

  int leasesInShard() {
    return leasesInShard;
  }

  long now() {
    return time.monotonicMillis();
  }
}
