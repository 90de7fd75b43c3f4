package io.messageorchestrator.agent;

import io.messageorchestrator.core.HistoryEntry;
import io.messageorchestrator.core.InboundMessage;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Who and what is being processed, and how much time is left. The deadline is kept on the monotonic clock
 * ({@link System#nanoTime()}), so {@link #remaining()} does not shrink or grow when the wall clock jumps (VM resume,
 * NTP step); {@link #deadline()} is the same moment as a wall-clock instant, for logs.
 */
public final class ProcessingContext {
  private final String contactId;
  private final String processId;
  private final int attempt;
  private final long deadlineNanos;
  private final LongSupplier nanoClock;
  private final Supplier<Instant> wallClock;
  private final List<InboundMessage> heldMessages;
  private final List<InboundMessage> messages;
  private final List<HistoryEntry> history;

  /**
   * @param attempt       1 for the first attempt of a message
   * @param deadlineNanos when the orchestrator abandons this attempt, on {@link System#nanoTime()}
   */
  public ProcessingContext(String contactId, String processId, int attempt, long deadlineNanos) {
    this(contactId, processId, attempt, deadlineNanos, System::nanoTime, Instant::now);
  }

  /** A context whose deadline is {@code timeout} from now (e.g. to call an agent in a test). */
  public static ProcessingContext withTimeout(String contactId, String processId, Duration timeout) {
    return new ProcessingContext(contactId, processId, 1, System.nanoTime() + timeout.toNanos());
  }

  /**
   * @param heldMessages V3 ({@code handoff.onResume=last}): the messages held before this one while the conversation
   *                     was paused, oldest first; empty otherwise
   */
  public ProcessingContext(String contactId, String processId, int attempt, long deadlineNanos,
                           List<InboundMessage> heldMessages) {
    this(contactId, processId, attempt, deadlineNanos, System::nanoTime, Instant::now, heldMessages, List.of(),
      List.of());
  }

  /**
   * @param messages V1/V2: every message of the call, in order (see {@link #messages()})
   * @param history  V4: the conversation's earlier messages and replies, oldest first ({@code agent.historySize} at
   *                 most); empty when history is off
   */
  public ProcessingContext(String contactId, String processId, int attempt, long deadlineNanos,
                           List<InboundMessage> heldMessages, List<InboundMessage> messages,
                           List<HistoryEntry> history) {
    this(contactId, processId, attempt, deadlineNanos, System::nanoTime, Instant::now, heldMessages, messages,
      history);
  }

  ProcessingContext(String contactId, String processId, int attempt, long deadlineNanos, LongSupplier nanoClock,
                    Supplier<Instant> wallClock) {
    this(contactId, processId, attempt, deadlineNanos, nanoClock, wallClock, List.of(), List.of(), List.of());
  }

  private ProcessingContext(String contactId, String processId, int attempt, long deadlineNanos,
                            LongSupplier nanoClock, Supplier<Instant> wallClock, List<InboundMessage> heldMessages,
                            List<InboundMessage> messages, List<HistoryEntry> history) {
    this.heldMessages = heldMessages == null ? List.of() : List.copyOf(heldMessages);
    this.messages = messages == null ? List.of() : List.copyOf(messages);
    this.history = history == null ? List.of() : List.copyOf(history);
    this.contactId = contactId;
    this.processId = processId;
    this.attempt = attempt;
    this.deadlineNanos = deadlineNanos;
    this.nanoClock = nanoClock;
    this.wallClock = wallClock;
  }

  public String contactId() {
    return contactId;
  }

  public String processId() {
    return processId;
  }

  /**
   * Human handoff with {@code handoff.onResume=last}: the contact's other messages held while a human had the
   * conversation, oldest first — context for answering this one (the last held); empty otherwise.
   */
  public List<InboundMessage> heldMessages() {
    return heldMessages;
  }

  /**
   * Every message this call answers, oldest first: one for an ordinary call; with burst coalescing
   * ({@code coalesce.quietWindow}) or {@code midTurn.policy} {@code merge}/{@code interrupt}, all the fragments the
   * contact sent, which get <b>one</b> reply. The {@code message} argument of {@code process} is then their texts
   * joined by newlines (or the last one if some are not text). Empty only for a context built without them.
   */
  public List<InboundMessage> messages() {
    return messages;
  }

  /**
   * V4: the conversation's (account, contact) last {@code agent.historySize} messages and replies before this
   * call's (first) message, oldest first — role {@code user} or {@code assistant}, text, time (epoch ms); empty when
   * {@code agent.historySize} is 0 or the conversation has none.
   */
  public List<HistoryEntry> history() {
    return history;
  }

  /** 1 for the first attempt of a message. */
  public int attempt() {
    return attempt;
  }

  /** Time left before the deadline, never negative: use it as the timeout of remote calls. */
  public Duration remaining() {
    long left = deadlineNanos - nanoClock.getAsLong();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  /** When the orchestrator abandons this attempt ({@code processingTimeout} after it started), as wall time. */
  public Instant deadline() {
    return wallClock.get().plusNanos(deadlineNanos - nanoClock.getAsLong());
  }

  @Override
  public String toString() {
    return "ProcessingContext[contactId=" + contactId + ", processId=" + processId + ", attempt=" + attempt
      + ", remaining=" + remaining() + "]";
  }
}
