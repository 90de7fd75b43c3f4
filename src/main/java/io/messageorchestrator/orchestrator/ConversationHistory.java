package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.HistoryEntry;
import io.messageorchestrator.core.RateLimitedLog;
import io.messageorchestrator.journal.HistoryTurn;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * V4 — the conversations' history on one shard: for each conversation (account, contact) a small ring of its last
 * {@code agent.historySize} messages and replies, in memory, on the shard's context. Nothing is written for it: the
 * journal already holds every message and reply, so the rings are only a cache of it, rebuilt from the journal —
 * SQLite: once, at start ({@link #restore}: one pass over the newest rows, no index); PostgreSQL: per conversation,
 * the first time one is needed ({@link #forCall}: through the conversation's index), as a shard starts without any.
 *
 * <ul>
 *   <li><b>What is in it.</b> A message enters when it ends (any final outcome: the contact wrote it), as a
 *   {@code user} entry, followed by its reply as an {@code assistant} entry when one was recorded to be sent. A
 *   conversation's messages end in order (R2), so the ring is the conversation so far, and the history of a call
 *   is exactly what came before its message.</li>
 *   <li><b>Bounds.</b> At most {@code historySize} entries per conversation, each text at most {@value #MAX_TEXT}
 *   characters, and at most {@code maxConversations} conversations per shard, the least recently used forgotten
 *   first (their history stays in the journal: PostgreSQL reads it again when needed; with SQLite it is back at the
 *   next start). Entries older than the journal's retention are not given (the journal has purged them too).</li>
 *   <li><b>Off.</b> With {@code historySize} 0 nothing is kept, read or loaded.</li>
 * </ul>
 */
public final class ConversationHistory {
  /** Conversations whose history a node keeps in memory at most (split evenly across its shards). */
  public static final int MAX_CONVERSATIONS_PER_NODE = 10_000;
  /** Longest text kept per entry: WhatsApp's own limit for a text message. */
  static final int MAX_TEXT = 4_096;
  /** How long an agent call waits for its conversation's history to be read (PostgreSQL) before going without. */
  static final long LOAD_TIMEOUT_MS = 2_000;
  private static final RateLimitedLog LOAD_FAILURES =
    new RateLimitedLog(LoggerFactory.getLogger(ConversationHistory.class), Duration.ofSeconds(10));

  /** Reads one conversation's history from the journal ({@code Journal#history}). */
  @FunctionalInterface
  interface Loader {
    Future<List<HistoryTurn>> load(String account, String contactId, int limit, long since);
  }

  /** An entry and the message it belongs to (to merge a read with what was recorded since, without doubles). */
  private record Turn(String processId, HistoryEntry entry) {
  }

  private static final class Ring {
    final ArrayDeque<Turn> turns = new ArrayDeque<>(4);
    /** Holds everything the journal has (or the journal has nothing to add: SQLite, memory). */
    boolean loaded;
    /** A read under way (PostgreSQL), shared by calls that need it meanwhile. */
    Future<List<HistoryEntry>> loading;
  }

  private final int size;
  private final int maxConversations;
  private final long retentionMs;
  private final TimeSource time;
  private final Timers timers;
  private final Loader loader;
  private final OrchestratorMetrics metrics;
  /** Access order: the head is the least recently used conversation. */
  private final LinkedHashMap<String, Ring> rings = new LinkedHashMap<>(16, 0.75f, true);
  private long loadFailures;

  /**
   * @param size        {@code agent.historySize}; 0 turns history off
   * @param retentionMs entries older than this are not given (the journal's {@code max(dedupWindow, retention)});
   *                    0: no age bound
   * @param loader      reads a conversation's history on first use (PostgreSQL); {@code null}: nothing to read
   */
  ConversationHistory(int size, int maxConversations, long retentionMs, TimeSource time, Timers timers,
                      Loader loader, OrchestratorMetrics metrics) {
    this.size = size;
    this.maxConversations = Math.max(1, maxConversations);
    this.retentionMs = retentionMs;
    this.time = time;
    this.timers = timers;
    this.loader = loader;
    this.metrics = metrics;
  }

  boolean enabled() {
    return size > 0;
  }

  /** A message ended (see the class comment): it enters its conversation's history, with its reply if any. */
  void record(Pending pending, String reply) {
    if (size == 0) {
      return;
    }
    Ring ring = ring(Accounts.conversationKey(pending.account, pending.contactId));
    userTurn(ring, pending);
    // V1/V2: a call of several messages — each fragment is the contact's, in the order sent; the one reply follows
    pending.coalesced.forEach(member -> userTurn(ring, member));
    if (reply != null) {
      add(ring, new Turn(pending.processId, new HistoryEntry(HistoryEntry.ASSISTANT, clip(reply),
        time.wallMillis())));
    }
  }

  private void userTurn(Ring ring, Pending message) {
    long acceptedAtWall = time.wallMillis() - Math.max(0, time.monotonicMillis() - message.acceptedAt);
    add(ring, new Turn(message.processId, new HistoryEntry(HistoryEntry.USER,
      clip(HistoryEntry.userText(message.message.text(), message.message.type())), acceptedAtWall)));
  }

  /**
   * The history to give the agent for the conversation's next call, oldest first. At once from memory; for a
   * conversation not read yet from an on-demand journal (PostgreSQL), after that read — or, if it fails or takes
   * longer than {@value #LOAD_TIMEOUT_MS} ms, with what memory holds (counted, and logged at most every 10 s).
   * Never fails.
   */
  Future<List<HistoryEntry>> forCall(String account, String contactId) {
    if (size == 0) {
      return Future.succeededFuture(List.of());
    }
    String key = Accounts.conversationKey(account, contactId);
    Ring ring = rings.get(key);
    if (loader == null || ring != null && ring.loaded) {
      return Future.succeededFuture(ring == null ? List.of() : snapshot(ring));
    }
    if (ring == null) {
      ring = ring(key);
    }
    if (ring.loading == null) {
      ring.loading = load(key, ring, account, contactId);
    }
    return ring.loading;
  }

  private Future<List<HistoryEntry>> load(String key, Ring ring, String account, String contactId) {
    Promise<List<HistoryEntry>> result = Promise.promise();
    long timer = timers.setTimer(LOAD_TIMEOUT_MS, () -> {
      if (!result.future().isComplete()) {
        failed(ring, account, "no answer within " + LOAD_TIMEOUT_MS + " ms");
        result.tryComplete(snapshot(ring));
      }
    });
    Future<List<HistoryTurn>> read;
    try {
      read = loader.load(account, contactId, size, oldestKept());
    } catch (RuntimeException e) {
      read = Future.failedFuture(e);
    }
    read.onComplete(done -> {
      timers.cancelTimer(timer);
      ring.loading = null;
      if (done.failed()) {
        if (!result.future().isComplete()) {
          failed(ring, account, String.valueOf(done.cause().getMessage()));
        }
      } else if (rings.get(key) == ring) { // not erased nor forgotten meanwhile
        merge(ring, done.result());
      }
      result.tryComplete(rings.get(key) == ring ? snapshot(ring) : List.of());
    });
    return result.future();
  }

  private void failed(Ring ring, String account, String why) {
    loadFailures++;
    metrics.historyLoadFailed();
    LOAD_FAILURES.warn("Conversation history could not be read from the journal (account {}): {}; the agent is"
      + " called with the history in memory", account, why);
    ring.loading = null;
  }

  /** The journal's turns first, then those recorded since the read was asked for (none counted twice). */
  private void merge(Ring ring, List<HistoryTurn> read) {
    Set<String> recorded = new HashSet<>();
    ring.turns.forEach(turn -> recorded.add(turn.processId()));
    List<Turn> merged = new ArrayList<>();
    for (HistoryTurn turn : read) {
      if (!recorded.contains(turn.processId())) {
        merged.add(new Turn(turn.processId(), clip(turn.entry())));
      }
    }
    merged.addAll(ring.turns);
    ring.turns.clear();
    merged.forEach(turn -> add(ring, turn));
    ring.loaded = true;
  }

  /** At start (SQLite): the history the journal held, per conversation oldest first. */
  void restore(List<HistoryTurn> turns) {
    if (size == 0) {
      return;
    }
    for (HistoryTurn turn : turns) {
      add(ring(Accounts.conversationKey(turn.account(), turn.contactId())), new Turn(turn.processId(),
        clip(turn.entry())));
    }
  }

  /** J12: the conversation's data was erased: its history goes too. Returns how many entries were dropped. */
  int erase(String account, String contactId) {
    Ring ring = rings.remove(Accounts.conversationKey(account, contactId));
    return ring == null ? 0 : ring.turns.size();
  }

  /** The conversation's history as it stands (for tests and status), oldest first. */
  List<HistoryEntry> current(String account, String contactId) {
    Ring ring = rings.get(Accounts.conversationKey(account, contactId));
    return ring == null ? List.of() : snapshot(ring);
  }

  int conversations() {
    return rings.size();
  }

  long loadFailures() {
    return loadFailures;
  }

  private Ring ring(String key) {
    Ring ring = rings.get(key);
    if (ring == null) {
      ring = new Ring();
      ring.loaded = loader == null;
      rings.put(key, ring);
      if (rings.size() > maxConversations) {
        Iterator<Ring> eldest = rings.values().iterator();
        eldest.next();
        eldest.remove();
      }
    }
    return ring;
  }

  private void add(Ring ring, Turn turn) {
    ring.turns.addLast(turn);
    while (ring.turns.size() > size) {
      ring.turns.removeFirst();
    }
  }

  private List<HistoryEntry> snapshot(Ring ring) {
    long oldest = oldestKept();
    List<HistoryEntry> entries = new ArrayList<>(ring.turns.size());
    for (Turn turn : ring.turns) {
      if (turn.entry().time() >= oldest) {
        entries.add(turn.entry());
      }
    }
    return List.copyOf(entries);
  }

  private long oldestKept() {
    return retentionMs > 0 ? time.wallMillis() - retentionMs : Long.MIN_VALUE;
  }

  private static String clip(String text) {
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 1) + "…";
  }

  private static HistoryEntry clip(HistoryEntry entry) {
    return entry.text() == null || entry.text().length() <= MAX_TEXT ? entry
      : new HistoryEntry(entry.role(), clip(entry.text()), entry.time());
  }
}
