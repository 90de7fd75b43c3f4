package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Where accepted messages live until they have an outcome and their reply is delivered: one interface, three
 * stores ({@code memory}, {@code sqlite}, {@code postgres}; see {@code journal.type}).
 *
 * <p>Contract for every implementation:
 * <ul>
 *   <li><b>Never blocks the caller.</b> Every method returns at once; the future completes on the Vert.x context
 *   that called (so a shard's continuation runs on the shard), or at once for the memory store.</li>
 *   <li><b>Order.</b> Writes are applied in call order; futures complete in that order for one calling context.</li>
 *   <li><b>Grouped commits.</b> Writes waiting at the same moment share one transaction and one sync.</li>
 *   <li><b>Durability.</b> {@link #append} completes only after the entry and its dedup key are committed and
 *   synced; other writes may be synced later (a crash loses at most the last un-synced starts/outcomes, never an
 *   appended message).</li>
 *   <li><b>Failures</b> complete the future with {@link JournalUnavailableException}; the journal stays usable
 *   for later calls if the store recovers (e.g. disk space freed).</li>
 * </ul>
 */
public interface Journal {

  /** {@code memory}, {@code sqlite} or {@code postgres}. */
  String type();

  /** Whether an appended message survives a crash (false only for {@code memory}). */
  boolean durable();

  /**
   * Appends an accepted message together with its dedup key, atomically: the check and the take are in the append's
   * transaction (PostgreSQL: {@code ON CONFLICT}; SQLite: its one writer thread, against the keys it holds). A key taken at or after {@code dedupSince} (epoch ms) makes it a {@link AppendResult#DUPLICATE};
   * an older key is taken over. An entry with a {@code null} dedup key is always appended.
   */
  Future<AppendResult> append(JournalEntry entry, long dedupSince);

  // Lifecycle writes (markStarted, recordOutcome, markReply): their callers only listen for a failure, which
  // completes on the caller's context; a success may complete on the journal's own thread (SQLite), so do not touch
  // context-bound state in a success handler.

  /**
   * The message's agent call number {@code attempt} (1-based) started under lease {@code leaseToken}. Grouped. The
   * count is the one given last (writes apply in call order): a start the agent never saw is taken back by recording
   * the attempt before it. Ignored for a finished message.
   */
  Future<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt);

  /**
   * Whether another node may take this journal's messages over and refuse its writes ({@link ShardFencedException}:
   * a cluster shard's view). Then a reply leaves only once its outcome is committed: a node that lost its shard while
   * frozen must not deliver the answer of a call the new owner makes again.
   */
  default boolean fenced() {
    return false;
  }

  /** The message's final outcome and its reply (the outbox row), in one write. */
  Future<Void> recordOutcome(OutcomeRecord outcome);

  /** The reply's delivery ended: {@link ReplyState#DELIVERED} or {@link ReplyState#FAILED}. */
  Future<Void> markReply(String processId, ReplyState state, long at);

  /**
   * V3: pauses the conversation {@code (pause.account, pause.contactId)} until {@code pause.until}, replacing any
   * pause it had. Synced like an append: a pause survives a crash once the future succeeded.
   */
  Future<Void> pause(ContactPause pause);

  /** V3: the conversation's pause ends (nothing happens when it had none). Synced like {@link #pause}. */
  Future<Void> resume(String account, String contactId);

  /**
   * Unfinished messages and undelivered replies, in acceptance order, and the paused conversations. Called once,
   * before any other write.
   */
  Future<Recovery> recover();

  /**
   * Deletes up to {@code maxRows} messages that finished (final outcome, reply not pending) before
   * {@code finishedBefore}, and dedup keys taken before it. Returns how many messages were deleted.
   */
  Future<Integer> purge(long finishedBefore, int maxRows);

  /** Dead letters (outcome {@code failed}/{@code timed_out}, or reply {@code failed}), newest first. */
  Future<List<JsonObject>> deadLetters(int limit, int offset);

  /**
   * One message as JSON (entry, outcome, reply), or {@code null}. Its {@code deadLetter} field says whether
   * {@link #deadLetters} lists it: false once {@link #deleteDeadLetter} removed it, even if the store still keeps the
   * message (a reply still pending). {@link #deadLetters} and {@link #exportContact} carry the same field.
   */
  Future<JsonObject> find(String processId);

  /** Removes a dead letter; false if there is none with that id. */
  Future<Boolean> deleteDeadLetter(String processId);

  /** Everything kept about a conversation: messages, replies, keys (J12 export). */
  Future<JsonObject> exportContact(String account, String contactId);

  /** Erases everything kept about a conversation; answers how many messages and keys were erased. */
  Future<JsonObject> eraseContact(String account, String contactId);

  /**
   * V4: whether a conversation's history is read from the store when the conversation first needs it
   * ({@link #history}: PostgreSQL, which has an index on the conversation), rather than loaded once at start
   * ({@link #recentHistory}: SQLite) or kept in memory only (memory).
   */
  default boolean historyOnDemand() {
    return false;
  }

  /**
   * V4, for {@link #historyOnDemand} stores: the conversation's last {@code limit} finished messages accepted at or
   * after {@code since} (epoch ms), each as a {@code user} turn followed by its reply's {@code assistant} turn (if it
   * had one), oldest first. Not guarded by a shard's epoch (a read).
   */
  default Future<List<HistoryTurn>> history(String account, String contactId, int limit, long since) {
    return Future.succeededFuture(List.of());
  }

  /**
   * V4, at start: the recent history of the most recently active conversations, read in one pass over the newest
   * finished messages (at most {@code perConversation} per conversation, {@code maxConversations} conversations,
   * none accepted before {@code since}); per conversation oldest first. Empty for stores that keep no history
   * across restarts (memory) or read it on demand (PostgreSQL).
   */
  default Future<List<HistoryTurn>> recentHistory(int perConversation, int maxConversations, long since) {
    return Future.succeededFuture(List.of());
  }

  /** Health details; fails when the store cannot write (readiness goes DOWN). */
  Future<JsonObject> health();

  /** Counters for metrics (append latency, batch sizes, queue depth, file size); cheap, from any thread. */
  default JournalStats stats() {
    return new JournalStats(0, 0, 0, 0, 0, 0, 0, -1);
  }

  /** Flushes pending writes and releases the store (file lock, connections). */
  Future<Void> close();
}
