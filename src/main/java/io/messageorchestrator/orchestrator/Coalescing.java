package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.ContactLane.Pending;

import java.util.ArrayList;
import java.util.List;

/**
 * V1 — burst coalescing on one shard: a contact's messages are collected in an open {@link Burst} until the contact
 * has been quiet for {@code coalesce.quietWindow}, {@code coalesce.maxWait} passed since the burst's first message,
 * it holds {@code coalesce.maxMessages}, or a non-text message came ({@code coalesce.flushOnMedia}); then the burst
 * becomes one <em>call</em>: its first message (which names the call: its processId) with the others in
 * {@link Pending#coalesced}, and takes its place in the lane's queue like a single message. Plain Java on the shard's
 * context, beside its {@link ContactStateMachine}; timers are the shard's ({@link ShardEffects}), so a test moves
 * them by hand.
 *
 * <pre>
 *   m1 ──▶ open burst [m1] ── m2 ──▶ [m1 m2] ── m3 ──▶ [m1 m2 m3] ── quiet for quietWindow ──▶ one call (m1: m2 m3)
 *           └── maxWait after m1, maxMessages, or a media message: flushed at once
 * </pre>
 *
 * <ul>
 *   <li>A burst is not queued: it has its own bound ({@code maxMessages}; reaching it flushes), not
 *   {@code maxQueueSize}, so a burst never overflows before it flushes.</li>
 *   <li>Paused conversations hold messages instead ({@link Pauses} takes an open burst over when a pause starts).</li>
 *   <li>Members are journaled one by one at acceptance, as any message; a restart admits the unfinished ones again,
 *   in order, and they re-enter the conversation's window (at-least-once; see {@link Outcomes} for why a clean
 *   finish never answers twice).</li>
 *   <li>{@code midTurn.policy=interrupt}: a message arriving while the contact's call runs cancels it
 *   ({@link ContactStateMachine#interrupt}); its messages open the burst, so the restart comes after the quiet
 *   window, with the old and new messages together.</li>
 * </ul>
 */
final class Coalescing {
  static final String QUIET = "quiet";
  static final String MAX_WAIT = "maxWait";
  static final String MAX_MESSAGES = "maxMessages";
  static final String MEDIA = "media";
  /** The shard stops: open bursts go to the agent at once, within the shutdown grace period. */
  static final String SHUTDOWN = "shutdown";

  /** A contact's open burst: members in arrival order (an interrupted call's messages first). */
  static final class Burst {
    final List<Pending> members = new ArrayList<>(4);
    long quietTimer = -1;
    long maxWaitTimer = -1;
  }

  private final ContactStateMachine machine;
  private final OrchestratorConfig.Coalesce settings;
  private final OrchestratorConfig config;
  private final ShardEffects effects;
  private int openInShard;
  /** Messages in this shard's open bursts (statistics: {@code coalescingMessages}). */
  private int messagesInShard;

  Coalescing(ContactStateMachine machine, OrchestratorConfig config, ShardEffects effects) {
    this.machine = machine;
    this.config = config;
    this.settings = config.coalesce();
    this.effects = effects;
  }

  boolean on() {
    return settings.on();
  }

  /** An admitted message of an active conversation joins the contact's burst (coalescing is on). */
  void add(ContactLane lane, Pending pending) {
    Burst burst = lane.burst;
    int incoming = 1 + (burst == null ? 0 : burst.members.size());
    List<Pending> interrupted = lane.lease == null ? null : machine.interrupt(lane, incoming);
    if (burst == null) {
      burst = new Burst();
      lane.burst = burst;
      openInShard++;
      machine.contacts().markBusy(lane);
      Burst opened = burst;
      burst.maxWaitTimer = effects.setTimer(settings.maxWait(), () -> {
        opened.maxWaitTimer = -1;
        flushIf(lane, opened, MAX_WAIT);
      });
    }
    if (interrupted != null) {
      burst.members.addAll(0, interrupted); // the cancelled call's messages are older: they come first
      messagesInShard += interrupted.size();
    }
    burst.members.add(pending);
    messagesInShard++;
    effects.publish(Events.MESSAGE_COALESCING, OrchestratorEvents.messageCoalescing(pending, burst.members.size()));
    waitForStart(pending, burst.members.size());
    if (machine.isStopping()) {
      flush(lane, SHUTDOWN);
    } else if (settings.flushOnMedia() && !"text".equals(pending.message.type())) {
      flush(lane, MEDIA);
    } else if (burst.members.size() >= settings.maxMessages()) {
      flush(lane, MAX_MESSAGES);
    } else {
      effects.cancelTimer(burst.quietTimer);
      Burst current = burst;
      burst.quietTimer = effects.setTimer(settings.quietWindow(), () -> {
        current.quietTimer = -1;
        flushIf(lane, current, QUIET);
      });
    }
  }

  /**
   * R6 for a member: a caller that waits for the call is told {@code queued} after {@code lockTimeout} if the call
   * has not started by then (starting cancels the timer, see {@link ContactStateMachine#startLease}).
   */
  private void waitForStart(Pending pending, int position) {
    if (pending.caller == null) {
      return;
    }
    if (config.lockTimeout() == 0) {
      answerQueued(pending, position);
    } else if (pending.lockWaitTimer < 0) {
      pending.lockWaitTimer = effects.setTimer(config.lockTimeout(), () -> {
        pending.lockWaitTimer = -1;
        answerQueued(pending, position);
      });
    }
  }

  private static void answerQueued(Pending pending, int position) {
    if (pending.caller != null) {
      ContactStateMachine.answer(pending, ProcessResult.queued(pending.processId, position));
      pending.answeredQueued = true;
    }
  }

  private void flushIf(ContactLane lane, Burst burst, String reason) {
    if (lane.burst == burst) {
      flush(lane, reason);
    }
  }

  /** The burst becomes one call at the tail of the lane's queue. */
  void flush(ContactLane lane, String reason) {
    List<Pending> members = takeOpen(lane);
    if (members.isEmpty()) {
      return;
    }
    Pending call = merge(members);
    effects.publish(Events.BURST_FLUSHED, OrchestratorEvents.burstFlushed(lane, call, members.size(), reason));
    machine.queueCall(lane, call);
  }

  /** Takes the lane's open burst (its timers cancelled), oldest first; empty when none is open. */
  List<Pending> takeOpen(ContactLane lane) {
    Burst burst = lane.burst;
    if (burst == null) {
      return List.of();
    }
    lane.burst = null;
    openInShard--;
    messagesInShard -= burst.members.size();
    effects.cancelTimer(burst.quietTimer);
    effects.cancelTimer(burst.maxWaitTimer);
    return burst.members;
  }

  /** Shutdown: every open burst goes to the agent now (the grace period may still process it). */
  void flushAll() {
    for (ContactLane lane : machine.contacts().busySnapshot()) {
      if (lane.burst != null) {
        flush(lane, SHUTDOWN);
      }
    }
  }

  /**
   * After the grace period: a durable journal keeps an open burst's messages for the next start (their callers are
   * told {@code queued}); the memory journal ends them {@code discarded_on_shutdown}. Returns {@code [kept, dropped]}.
   */
  int[] discard(ContactLane lane, boolean keep) {
    List<Pending> open = takeOpen(lane);
    for (Pending member : open) {
      machine.cancelLockWait(member);
      if (keep) {
        ContactStateMachine.answer(member, ProcessResult.queued(member.processId, 1));
      } else {
        machine.finish(member, Outcome.DISCARDED_ON_SHUTDOWN,
          "discarded: shutdown grace period ended while it waited for its burst to end");
      }
    }
    return keep ? new int[] {open.size(), 0} : new int[] {0, open.size()};
  }

  /** Contacts of this shard with an open burst. */
  int openInShard() {
    return openInShard;
  }

  /** Messages in this shard's open bursts. */
  int messagesInShard() {
    return messagesInShard;
  }

  /** Messages in the lane's open burst. */
  static int openCount(ContactLane lane) {
    return lane.burst == null ? 0 : lane.burst.members.size();
  }

  // ---------------------------------------------------------------- calls of several messages

  /** One call of {@code members} (in order, at least one): the first names it, the others ride along. */
  static Pending merge(List<Pending> members) {
    Pending first = members.getFirst();
    List<Pending> others = new ArrayList<>(members.size() - 1);
    for (Pending member : members) {
      if (member != first) {
        others.addAll(split(member));
      }
    }
    List<Pending> before = first.coalesced;
    if (!before.isEmpty()) {
      List<Pending> all = new ArrayList<>(before);
      all.addAll(others);
      others = all;
    }
    first.coalesced = List.copyOf(others);
    return first;
  }

  /** A call's messages in order (its first, then the others); the call is taken apart. */
  static List<Pending> split(Pending call) {
    if (call.coalesced.isEmpty()) {
      return List.of(call);
    }
    List<Pending> members = new ArrayList<>(1 + call.coalesced.size());
    members.add(call);
    members.addAll(call.coalesced);
    call.coalesced = List.of();
    return members;
  }

  /** How many messages the call carries. */
  static int size(Pending call) {
    return 1 + call.coalesced.size();
  }

  /** The messages the agent gets for the call, in order. */
  static List<InboundMessage> messagesOf(Pending call) {
    if (call.coalesced.isEmpty()) {
      return List.of(call.message);
    }
    List<InboundMessage> messages = new ArrayList<>(size(call));
    messages.add(call.message);
    call.coalesced.forEach(member -> messages.add(member.message));
    return List.copyOf(messages);
  }

  /**
   * The one message handed to {@code AgentProcessor.process} for a call: the message itself, or for several text
   * messages their texts joined by newlines (an agent that reads only this still sees the whole burst), or the
   * last one if some are not text. {@code ProcessingContext.messages()} always has each of them.
   */
  static InboundMessage primaryMessage(Pending call) {
    if (call.coalesced.isEmpty()) {
      return call.message;
    }
    List<InboundMessage> messages = messagesOf(call);
    InboundMessage last = messages.getLast();
    StringBuilder text = new StringBuilder();
    for (InboundMessage message : messages) {
      if (!"text".equals(message.type()) || message.text() == null) {
        return last;
      }
      if (!text.isEmpty()) {
        text.append('\n');
      }
      text.append(message.text());
    }
    return new InboundMessage(text.toString(), last.messageId(), "text", last.timestamp(), last.metadata());
  }
}
