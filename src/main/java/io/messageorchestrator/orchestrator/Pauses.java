package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.config.OrchestratorConfig.OnResume;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.journal.ContactPause;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * V3 — human handoff on one shard: which conversations are paused, their held messages, and what happens when they
 * resume. Plain Java on the shard's context, beside its {@link ContactStateMachine}.
 *
 * <pre>
 *             pause (operator, agent handoff, business reply)     pause again: new expiry, who, why
 *   ACTIVE ─────────────────────────────────────────────▶ PAUSED ◀──┐
 *     ▲  messages go to the agent                         │ messages are journaled and held (maxHeld)
 *     │                                                   └─────────┘
 *     └──────────── resume (operator, or pauseTtl elapsed) ─┘ held: skip → handled_by_human;
 *                                                             last → agent answers the last, others as context;
 *                                                             all → each processed in turn
 * </pre>
 *
 * <ul>
 *   <li>The check on the intake path is a field of the lane ({@link ContactLane#pause}): no journal read per message,
 *   and nothing is written for a conversation that is not paused.</li>
 *   <li>A pause and a resume are written to the journal when they happen; the shard loads the pauses at start with
 *   the unfinished messages, so held messages stay held across a restart, and the expiry (epoch ms in a durable
 *   journal) keeps counting.</li>
 *   <li>Expiry is decided on the shard's monotonic clock (a test's injected one): a timer per pause, and a check
 *   whenever the conversation is touched (a message, a status read), whichever comes first.</li>
 *   <li>A call already running when the pause comes finishes and its reply is sent; the messages waiting behind it
 *   are held.</li>
 * </ul>
 */
final class Pauses {
  private static final Logger LOG = LoggerFactory.getLogger(Pauses.class);
  static final String BY_OPERATOR = "operator";
  static final String BY_AGENT = "agent";
  static final String BY_BUSINESS = "business";
  static final String BY_TTL = "ttl";
  /** V5b: the conversation used up its daily agent calls ({@code contact.dailyAgentCalls}). */
  static final String BY_LIMIT = "limit";

  /** A paused conversation as the shard keeps it. */
  static final class PauseState {
    final ContactPause persisted;
    /** {@link ContactPause#until} on the shard's monotonic clock. */
    final long untilMonotonic;
    long timer = -1;

    PauseState(ContactPause persisted, long untilMonotonic) {
      this.persisted = persisted;
      this.untilMonotonic = untilMonotonic;
    }
  }

  private final ContactStateMachine machine;
  private final ContactTable contacts;
  private final OrchestratorConfig.Handoff settings;
  private final TimeSource time;
  private final ShardEffects effects;
  private final JournalWrites journal;
  private final OrchestratorMetrics metrics;
  private int pausedInShard;
  private int heldInShard;
  /**
   * Between {@link #restore} and {@link #resumeExpired} at start: recovered messages of a paused conversation are
   * held even if its pause ran out meanwhile, so that its end releases them as {@code handoff.onResume} says.
   */
  private boolean recovering;

  Pauses(ContactStateMachine machine, OrchestratorConfig.Handoff settings, TimeSource time, ShardEffects effects,
         JournalWrites journal, OrchestratorMetrics metrics) {
    this.machine = machine;
    this.contacts = machine.contacts();
    this.settings = settings;
    this.time = time;
    this.effects = effects;
    this.journal = journal;
    this.metrics = metrics;
  }

  /**
   * Whether the lane's messages are held now. A pause whose time is up is ended here (by {@code ttl}) before the
   * answer, so a message never waits on a timer that has not run yet.
   */
  boolean holding(ContactLane lane) {
    PauseState pause = lane.pause;
    if (pause == null) {
      return false;
    }
    if (!recovering && time.monotonicMillis() >= pause.untilMonotonic) {
      resume(lane, BY_TTL, "handoff.pauseTtl elapsed");
      return false;
    }
    return true;
  }

  /** Whether the paused lane holds as many messages as it may ({@code handoff.maxHeld}), counting appends under way. */
  boolean full(ContactLane lane) {
    return lane.heldCount() + lane.appending >= settings.maxHeld();
  }

  /** An accepted message of a paused conversation is held (never given to the agent); its caller is told {@code held}. */
  void hold(ContactLane lane, Pending pending) {
    machine.cancelLockWait(pending);
    lane.hold(pending);
    heldInShard++;
    metrics.heldDelta(1);
    contacts.markBusy(lane);
    effects.publish(Events.MESSAGE_HELD, OrchestratorEvents.messageHeld(pending, lane.heldCount()));
    ContactStateMachine.answer(pending, ProcessResult.held(pending.processId, lane.heldCount()));
    pending.answeredQueued = true;
  }

  /**
   * Pauses the conversation for {@code ttlMs} (a new pause replaces the one it had: new expiry, who and why). Its
   * waiting messages are held; a running call finishes. The future completes once the journal has the pause.
   */
  Future<ContactPause> pause(ContactLane lane, long ttlMs, String by, String reason) {
    long now = time.monotonicMillis();
    long journalNow = journal.now();
    ContactPause pause = new ContactPause(lane.account, lane.contactId, journalNow, journalNow + ttlMs, by, reason);
    PauseState previous = lane.pause;
    if (previous != null) {
      effects.cancelTimer(previous.timer);
    } else {
      pausedInShard++;
      metrics.pausedDelta(1);
    }
    PauseState state = new PauseState(pause, now + ttlMs);
    lane.pause = state;
    contacts.markBusy(lane);
    arm(lane, state);
    metrics.paused(by);
    LOG.info("Contact {} paused by {} for {} ms{}", ContactIds.mask(lane.contactId), by, ttlMs,
      reason == null ? "" : " (" + reason + ")");
    // Announced before the waiting messages' messageHeld; its count includes them.
    effects.publish(Events.CONTACT_PAUSED,
      OrchestratorEvents.contactPaused(pause, lane.heldCount() + lane.queueSize()));
    holdWaiting(lane);
    return journal.pause(pause).map(pause);
  }

  /** The lane's waiting messages (not started, or waiting to be retried) are held, in their order. */
  void holdWaiting(ContactLane lane) {
    List<Pending> open = machine.coalescing().takeOpen(lane); // V1: a burst being collected is held too
    if (lane.queueSize() == 0) {
      open.forEach(pending -> hold(lane, pending));
      return;
    }
    if (lane.retryTimer >= 0) {
      effects.cancelTimer(lane.retryTimer);
      lane.retryTimer = -1;
    }
    Pending waiting;
    while ((waiting = lane.pollQueue()) != null) {
      machine.queuedDelta(-1);
      for (Pending member : Coalescing.split(waiting)) { // a call of several messages holds each of them
        hold(lane, member);
      }
    }
    open.forEach(pending -> hold(lane, pending));
  }

  /**
   * Ends the conversation's pause and releases its held messages as {@code handoff.onResume} says. Answers
   * {@code {resumed, held, onResume, processIds}}; {@code resumed} is false when it was not paused.
   */
  JsonObject resume(ContactLane lane, String by, String reason) {
    PauseState pause = lane.pause;
    if (pause == null) {
      return new JsonObject().put("resumed", false).put("held", 0);
    }
    effects.cancelTimer(pause.timer);
    lane.pause = null;
    pausedInShard--;
    metrics.pausedDelta(-1);
    journal.resume(lane.account, lane.contactId);
    List<Pending> held = lane.takeHeld();
    heldInShard -= held.size();
    metrics.heldDelta(-held.size());
    JsonArray processIds = new JsonArray();
    held.forEach(pending -> processIds.add(pending.processId));
    OnResume mode = settings.onResume();
    LOG.info("Contact {} resumed by {} with {} held messages (onResume={})", ContactIds.mask(lane.contactId), by,
      held.size(), mode.configName());
    // Announced before the released messages' own events, so that a listener sees the resume first.
    effects.publish(Events.CONTACT_RESUMED,
      OrchestratorEvents.contactResumed(lane, by, reason, mode.configName(), processIds));
    switch (mode) {
      case SKIP -> held.forEach(pending -> machine.finish(pending, Outcome.HANDLED_BY_HUMAN,
        "held while a human had the conversation (handoff.onResume=skip)"));
      case ALL -> held.forEach(pending -> machine.admit(lane, pending));
      case LAST -> {
        if (!held.isEmpty()) {
          Pending last = held.getLast();
          List<InboundMessage> context = new ArrayList<>();
          for (Pending earlier : held.subList(0, held.size() - 1)) {
            context.add(earlier.message);
            machine.finish(earlier, Outcome.ANSWERED_WITH_LAST, "held while paused; given to the agent as context"
              + " of " + last.processId + " (handoff.onResume=last)");
          }
          last.heldBefore = List.copyOf(context);
          machine.admit(lane, last);
        }
      }
    }
    contacts.markIdleIfIdle(lane, time.monotonicMillis());
    return new JsonObject().put("resumed", true).put("held", held.size()).put("onResume", mode.configName())
      .put("processIds", processIds);
  }

  /**
   * A message the business sent from its own phone ({@code handoff.pauseOnBusinessReply}): a human is answering,
   * so the conversation pauses for {@code handoff.pauseTtl} (again: a later one extends it) — unless it is the
   * provider's echo of one of this service's replies (same provider id, or same text within the echo window).
   * Answers {@code {paused, echo}}; {@code paused} is true once the journal has the pause.
   */
  Future<JsonObject> businessMessage(ContactLane lane, String providerId, String text, SentReplies sent) {
    if (!settings.pauseOnBusinessReply()) {
      return Future.succeededFuture(new JsonObject().put("paused", false).put("echo", false));
    }
    if (sent != null && sent.consumeEcho(lane.key, providerId, text, time.monotonicMillis())) {
      contacts.markIdleIfIdle(lane, time.monotonicMillis());
      return Future.succeededFuture(new JsonObject().put("paused", false).put("echo", true));
    }
    return pause(lane, settings.pauseTtl(), BY_BUSINESS, "the business replied from its own phone")
      .map(pause -> new JsonObject().put("paused", true).put("echo", false).put("until", pause.until()));
  }

  /** At start: a pause the journal kept. Its expiry keeps counting from the persisted time. */
  void restore(ContactPause pause) {
    ContactLane lane = contacts.getOrCreate(pause.account(), pause.contactId(), time.monotonicMillis());
    long left = Math.max(0, pause.until() - journal.now());
    PauseState state = new PauseState(pause, time.monotonicMillis() + left);
    recovering = true;
    lane.pause = state;
    pausedInShard++;
    metrics.pausedDelta(1);
    contacts.markBusy(lane);
    arm(lane, state);
  }

  /** After recovery: pauses whose time passed while the service was down end now (their held messages with them). */
  void resumeExpired() {
    recovering = false;
    for (ContactLane lane : contacts.busySnapshot()) {
      if (lane.pause != null) {
        holding(lane);
      }
    }
  }

  /** The conversation's pause and held messages, for its status. */
  JsonObject describe(ContactLane lane) {
    JsonObject status = new JsonObject().put("paused", lane.pause != null);
    if (lane.pause != null) {
      ContactPause pause = lane.pause.persisted;
      status.put("pause", pause.toJson()
        .put("remainingMs", Math.max(0, lane.pause.untilMonotonic - time.monotonicMillis())));
    }
    JsonArray held = new JsonArray();
    for (Pending pending : lane.heldMessages()) {
      held.add(new JsonObject().put("processId", pending.processId).put("acceptedAt", pending.acceptedAtJournal)
        .put("message", pending.messageJson));
    }
    return status.put("heldCount", held.size()).put("held", held);
  }

  /**
   * After the shutdown grace period: held messages stay in a durable journal (the pause is kept too, so they are
   * held again at the next start); with the memory journal they end {@code discarded_on_shutdown}. Returns how many
   * were kept or dropped, as {@code [kept, dropped]}.
   */
  int[] discard(ContactLane lane, boolean keep) {
    List<Pending> held = lane.takeHeld();
    heldInShard -= held.size();
    metrics.heldDelta(-held.size());
    if (lane.pause != null) {
      effects.cancelTimer(lane.pause.timer);
    }
    if (keep) {
      return new int[] {held.size(), 0};
    }
    held.forEach(pending -> machine.finish(pending, Outcome.DISCARDED_ON_SHUTDOWN,
      "discarded: held while paused when the service stopped (memory journal)"));
    return new int[] {0, held.size()};
  }

  int pausedInShard() {
    return pausedInShard;
  }

  int heldInShard() {
    return heldInShard;
  }

  private void arm(ContactLane lane, PauseState state) {
    long delay = Math.max(1, state.untilMonotonic - time.monotonicMillis());
    state.timer = effects.setTimer(delay, () -> {
      state.timer = -1;
      if (lane.pause != state) {
        return;
      }
      if (time.monotonicMillis() >= state.untilMonotonic) {
        resume(lane, BY_TTL, "handoff.pauseTtl elapsed");
      } else {
        arm(lane, state); // the monotonic clock is behind the timer's (a test's hand-moved clock)
      }
    });
  }
}
