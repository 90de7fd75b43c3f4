package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Where every accepted message ends, exactly once (R9): the outcome is counted, announced by its events and turned
 * into the caller's answer. {@link ContactStateMachine} calls {@link #record} at each outcome point, after the lease
 * (if any) was released; a durable journal records the outcome here.
 */
final class Outcomes {
  private final OrchestratorConfig config;
  private final OrchestratorMetrics metrics;
  private final ShardEffects effects;
  private final JournalWrites journal;
  /** V4: every ended message enters its conversation's history, with the reply the journal records for it. */
  private final ConversationHistory history;

  Outcomes(OrchestratorConfig config, OrchestratorMetrics metrics, ShardEffects effects, JournalWrites journal,
           ConversationHistory history) {
    this.config = config;
    this.metrics = metrics;
    this.effects = effects;
    this.journal = journal;
    this.history = history;
  }

  /**
   * J6: an attempt failed or timed out and the message will be tried again — not an outcome. Announced by
   * {@code attemptFailed} (and, for a timeout, {@code processingTimeout} per attempt, as always).
   */
  void attemptFailed(Pending pending, Outcome kind, String error, LeaseRelease release, long duration,
                     long nextAttemptAt) {
    metrics.attemptFailed();
    if (kind == Outcome.TIMED_OUT) {
      effects.publish(Events.PROCESSING_TIMEOUT,
        OrchestratorEvents.processingTimeout(pending, config.processingTimeout()));
    }
    effects.publish(Events.ATTEMPT_FAILED, OrchestratorEvents.attemptFailed(pending, error, nextAttemptAt));
    announceRelease(pending, release, duration);
  }

  /**
   * @param release  how its lease ended, if it held one
   * @param duration how long it held the lease (ms)
   * @return the answer for the caller still waiting, if any
   */
  ProcessResult record(Pending pending, Outcome outcome, AgentOutcome reply, String error, LeaseRelease release,
                       long duration) {
    metrics.outcome(outcome);
    ProcessResult result = resultOf(pending, outcome, reply, error);
    // A call of several messages (V1/V2): the others' outcomes are written before the call's own, which carries
    // the reply: a crash in between re-runs the call's first message alone but never answers the others twice.
    pending.coalesced.forEach(member -> member(member, pending, outcome, result, error));
    String delivered = replyToDeliver(outcome, result);
    Future<Void> committed = journal.outcome(pending, outcome, delivered, error);
    history.record(pending, delivered); // V4: every member's text, in order, then the call's one reply
    switch (outcome) {
      case DROPPED -> effects.publish(Events.MESSAGE_DROPPED,
        OrchestratorEvents.messageUnprocessed(pending, outcome, error));
      case DISCARDED_ON_SHUTDOWN -> effects.publish(Events.MESSAGE_DISCARDED,
        OrchestratorEvents.messageUnprocessed(pending, outcome, error));
      case EXPIRED -> { } // announced by messageExpired
      case HANDLED_BY_HUMAN, ANSWERED_WITH_LAST -> { } // announced by contactResumed (its processIds)
      case COALESCED_INTO -> { } // only a call's other messages end so (see member): its messageProcessed lists them

      default -> {
        metrics.processingTime(duration);
        if (outcome == Outcome.FAILED) {
          effects.publish(Events.PROCESSING_ERROR, OrchestratorEvents.processingError(pending, error));
        } else if (outcome == Outcome.TIMED_OUT) {
          effects.publish(Events.PROCESSING_TIMEOUT,
            OrchestratorEvents.processingTimeout(pending, config.processingTimeout()));
        }
        if (outcome != Outcome.PROCESSED) {
          metrics.deadLettered();
          effects.publish(Events.MESSAGE_DEAD_LETTERED,
            OrchestratorEvents.messageDeadLettered(pending, outcome, error));
        }
        // messageProcessed hands the reply to the outbound: in a cluster, only once the outcome is committed (a
        // refused outcome means the shard moved: its new owner runs the message again and replies).
        JsonObject processed = OrchestratorEvents.messageProcessed(pending, outcome, result, duration, reply);
        committed.onSuccess(ok -> effects.publish(Events.MESSAGE_PROCESSED, processed));
      }
    }
    announceRelease(pending, release, duration);
    return result;
  }

  /**
   * A message that went to the agent in {@code call} (not its first): when the call is answered it ends
   * {@code coalesced_into} the call (no reply of its own: the call's reply answers it); otherwise it shares the
   * call's outcome (dead-lettered, dropped, expired, discarded), so it can be replayed or inspected on its own.
   */
  private void member(Pending member, Pending call, Outcome outcome, ProcessResult callResult, String error) {
    Outcome own = outcome == Outcome.PROCESSED ? Outcome.COALESCED_INTO : outcome;
    metrics.outcome(own);
    ProcessResult result;
    if (own == Outcome.COALESCED_INTO) {
      journal.outcome(member, own, null, "coalesced into " + call.processId);
      result = ProcessResult.processed(member.processId, callResult.response());
    } else {
      result = resultOf(member, own, null, error);
      journal.outcome(member, own, null, error);
      switch (own) {
        case DROPPED -> effects.publish(Events.MESSAGE_DROPPED, OrchestratorEvents.messageUnprocessed(member, own,
          error));
        case DISCARDED_ON_SHUTDOWN -> effects.publish(Events.MESSAGE_DISCARDED,
          OrchestratorEvents.messageUnprocessed(member, own, error));
        case FAILED, TIMED_OUT -> {
          metrics.deadLettered();
          effects.publish(Events.MESSAGE_DEAD_LETTERED, OrchestratorEvents.messageDeadLettered(member, own, error));
        }
        default -> { }
      }
    }
    ContactStateMachine.answer(member, result);
  }

  private void announceRelease(Pending pending, LeaseRelease release, long duration) {
    if (release == LeaseRelease.FORCED || release == LeaseRelease.ORDINARY && config.stepEvents()) {
      // Forced releases (R5, R7, R8, R11) are always announced; ordinary ones are a per-step event.
      effects.publish(Events.LOCK_RELEASED,
        OrchestratorEvents.lockReleased(pending.contactId, duration, pending.processId));
    }
  }

  /** The reply the journal's outbox must deliver: the agent's, or a fallback that will be sent; else none. */
  private String replyToDeliver(Outcome outcome, ProcessResult result) {
    return switch (outcome) {
      case PROCESSED -> result.response();
      case FAILED, TIMED_OUT -> config.outbound().sendFallbacks() ? result.response() : null;
      default -> null;
    };
  }

  /** How a message's lease ended. */
  enum LeaseRelease {
    /** It never held one (dropped or discarded while waiting). */
    NONE,
    /** The agent answered: a reply, an error or an empty response. */
    ORDINARY,
    /** The orchestrator took it back: timeout, stale-lease sweep, emergency unlock, shutdown. */
    FORCED
  }

  private ProcessResult resultOf(Pending pending, Outcome outcome, AgentOutcome reply, String error) {
    return switch (outcome) {
      case PROCESSED -> ProcessResult.processed(pending.processId, reply.response());
      case TIMED_OUT -> ProcessResult.failed(ProcessResult.Status.TIMED_OUT, pending.processId,
        config.fallbackResponse(), error);
      case FAILED -> ProcessResult.failed(ProcessResult.Status.FAILED, pending.processId, config.fallbackResponse(),
        error);
      case DROPPED -> ProcessResult.rejected(pending.processId, "dropped", error);
      case EXPIRED -> ProcessResult.rejected(pending.processId, "expired", error);
      case DISCARDED_ON_SHUTDOWN ->
        ProcessResult.rejected(pending.processId, RejectReason.SHUTTING_DOWN.label(), error);
      // (its caller was answered "held" long before: nobody waits for this one)
      case HANDLED_BY_HUMAN, ANSWERED_WITH_LAST -> ProcessResult.rejected(pending.processId, outcome.label(), error);
      case COALESCED_INTO -> ProcessResult.processed(pending.processId, reply == null ? null : reply.response());
    };
  }
}
