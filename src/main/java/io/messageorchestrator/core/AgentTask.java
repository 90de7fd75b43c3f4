package io.messageorchestrator.core;

import java.util.List;


/**
 * Shard → agent worker (a one-way send with a local codec): process one message before {@code deadlineNanos} and
 * hand the {@link AgentResult} to {@code replyTo}. The deadline is a {@link System#nanoTime()} value (tasks never
 * leave the JVM), so a wall-clock jump cannot move it. The fencing token travels with the task so the shard can tell
 * the current lease's result from a late one.
 */
public record AgentTask(String account, String contactId, String processId, InboundMessage message, int attempt,
                        long deadlineNanos, long fencingToken, AgentResultSink replyTo,
                        List<InboundMessage> heldBefore, List<InboundMessage> messages, List<HistoryEntry> history) {

  /**
   * @param heldBefore V3 ({@code handoff.onResume=last}): the messages held before this one while the conversation
   *                   was paused, oldest first, as the agent's context; empty otherwise
   * @param messages   V1/V2: every message of the call in order ({@code message} alone for a call of one; for a
   *                   coalesced call {@code message} is their joined text, see {@code Coalescing})
   * @param history    V4: the conversation's earlier messages and replies (before the call's first message), oldest
   *                   first ({@code agent.historySize} at most); empty when history is off
   */
  public AgentTask {
    heldBefore = heldBefore == null ? List.of() : heldBefore;
    messages = messages == null || messages.isEmpty() ? List.of(message) : messages;
    history = history == null ? List.of() : history;
  }

  /** A task of one message without history. */
  public AgentTask(String account, String contactId, String processId, InboundMessage message, int attempt,
                   long deadlineNanos, long fencingToken, AgentResultSink replyTo, List<InboundMessage> heldBefore) {
    this(account, contactId, processId, message, attempt, deadlineNanos, fencingToken, replyTo, heldBefore, null,
      List.of());
  }

  /** A task of one message without held context nor history. */
  public AgentTask(String account, String contactId, String processId, InboundMessage message, int attempt,
                   long deadlineNanos, long fencingToken, AgentResultSink replyTo) {
    this(account, contactId, processId, message, attempt, deadlineNanos, fencingToken, replyTo, List.of(), null,
      List.of());
  }
}
