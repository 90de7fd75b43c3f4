package io.messageorchestrator.orchestrator;

import java.util.HashMap;

/**
 * V5b — per-conversation abuse and cost limits on one shard, so that one spamming number cannot flood the service or
 * run up the agent's (the LLM's) bill. Plain Java on the shard's context.
 * <ul>
 *   <li><b>{@code contact.rateLimit}</b>: at most that many messages accepted per conversation in each minute —
 *   fixed one-minute windows on the shard's monotonic clock (so at a window's edge up to twice the limit can arrive
 *   within a minute); beyond it a message is refused {@code rate_limited} (HTTP 429) and nothing is journaled.
 *   Duplicates and the messages it refuses do not count.</li>
 *   <li><b>{@code contact.dailyAgentCalls}</b>: agent calls (attempts, retries included) per conversation and UTC day,
 *   on the wall clock. Once reached, the conversation's next message is accepted and journaled but held: the
 *   conversation is paused (V3) by {@code limit} with reason {@value #DAILY_LIMIT} until the next UTC midnight, or
 *   until an operator resumes it. Checked when a message arrives: the messages then waiting are held with it (a
 *   running call finishes); those that arrived before the last allowed call started may still run.</li>
 * </ul>
 * Memory: the minute's counters are dropped when the minute changes and the day's when the UTC day changes, so each
 * map holds only the conversations that wrote in the current window (a few dozen bytes each).
 */
final class ContactLimits {
  static final String DAILY_LIMIT = "daily_limit";
  static final long MINUTE_MS = 60_000;
  static final long DAY_MS = 86_400_000;

  private final int rateLimit;
  private final int dailyAgentCalls;
  private final TimeSource time;
  private HashMap<String, int[]> thisMinute = new HashMap<>();
  private long minute = Long.MIN_VALUE;
  private HashMap<String, int[]> today = new HashMap<>();
  private long day = Long.MIN_VALUE;
  private long rateLimited;
  private long dailyLimited;

  /** @param rateLimit messages per conversation and minute (0: none); @param dailyAgentCalls per UTC day (0: none) */
  ContactLimits(int rateLimit, int dailyAgentCalls, TimeSource time) {
    this.rateLimit = rateLimit;
    this.dailyAgentCalls = dailyAgentCalls;
    this.time = time;
  }

  /**
   * Whether the conversation may have one more message accepted this minute; counts it if so. A refusal is counted
   * in {@link #rateLimited()}.
   */
  boolean tryAccept(String conversationKey) {
    if (rateLimit == 0) {
      return true;
    }
    long now = time.monotonicMillis() / MINUTE_MS;
    if (now != minute) {
      minute = now;
      thisMinute = fresh(thisMinute);
    }
    int[] count = thisMinute.computeIfAbsent(conversationKey, key -> new int[1]);
    if (count[0] >= rateLimit) {
      rateLimited++;
      return false;
    }
    count[0]++;
    return true;
  }

  /** Whether the conversation has used up its agent calls of the current UTC day. */
  boolean dailyLimitReached(String conversationKey) {
    return dailyAgentCalls > 0 && callsToday(conversationKey) >= dailyAgentCalls;
  }

  /** An agent call of the conversation starts (each attempt counts: each costs). */
  void agentCallStarted(String conversationKey) {
    if (dailyAgentCalls > 0) {
      rollDay();
      today.computeIfAbsent(conversationKey, key -> new int[1])[0]++;
    }
  }

  /** The conversation was held for its daily limit; counted in {@link #dailyLimited()}. */
  void heldForDailyLimit() {
    dailyLimited++;
  }

  /** Milliseconds from now to the next UTC midnight (at least 1): how long a daily-limit hold lasts. */
  long untilNextDay() {
    long now = time.wallMillis();
    return Math.max(1, Math.floorDiv(now, DAY_MS) * DAY_MS + DAY_MS - now);
  }

  int callsToday(String conversationKey) {
    rollDay();
    int[] count = today.get(conversationKey);
    return count == null ? 0 : count[0];
  }

  /** Messages refused {@code rate_limited} so far. */
  long rateLimited() {
    return rateLimited;
  }

  /** Conversations held for their daily agent calls so far. */
  long dailyLimited() {
    return dailyLimited;
  }

  /** An emptied map; a new one after a busy window, as a hash table never shrinks by itself. */
  private static HashMap<String, int[]> fresh(HashMap<String, int[]> map) {
    if (map.size() > 1_024) {
      return new HashMap<>();
    }
    map.clear();
    return map;
  }

  private void rollDay() {
    long now = Math.floorDiv(time.wallMillis(), DAY_MS);
    if (now != day) {
      day = now;
      today = fresh(today);
    }
  }
}
