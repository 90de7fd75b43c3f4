package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code journal.type=memory}: the journal held in this process only — <b>not durable</b>: a crash or restart loses
 * every queued message and the duplicate memory (today's behaviour before the durable journal; for tests of pure
 * orchestration and benchmark baselines). Every future is already complete when returned, so a caller's
 * continuation runs at once, on its own thread.
 *
 * <p>It stands in for a database shared by the node's shards, so it is one monitor-guarded store (calls are short
 * map operations). Memory stays bounded: finished messages are forgotten at once unless their reply is still
 * pending or they are dead letters (the newest {@code maxDeadLetters} are kept); dedup keys are bounded by
 * {@code maxKeys}, oldest first. Times are whatever clock the caller uses (the shards give it monotonic
 * milliseconds: nothing here is persisted).
 */
public final class MemoryJournal implements Journal {
  private static final int MAX_DEAD_LETTERS = 10_000;

  private final int maxKeys;
  private long sequence;
  /** Unfinished messages and those with a pending reply, by sequence (acceptance order). */
  private final TreeMap<Long, Row> live = new TreeMap<>();
  private final Map<String, Row> byProcessId = new HashMap<>();
  /** Dedup keys in the order they were taken (also their expiry order): key → when and by which message. */
  private final LinkedHashMap<String, TakenKey> keys = new LinkedHashMap<>();

  private record TakenKey(long takenAt, String processId) {
  }
  /** Dead letters, oldest first. */
  private final LinkedHashMap<String, Row> deadLetters = new LinkedHashMap<>();
  /** Paused conversations (V3) by conversation: few, removed when they resume. */
  private final LinkedHashMap<String, ContactPause> pauses = new LinkedHashMap<>();
  private long appends;

  /** @param maxKeys dedup keys kept at most ({@code dedupMaxEntries}); the oldest is forgotten first */
  public MemoryJournal(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  private static final class Row {
    JournalEntry entry;
    String outcome;
    String error;
    String reply;
    ReplyState replyState;
    long finishedAt;
    long leaseToken;

    Row(JournalEntry entry) {
      this.entry = entry;
    }

    boolean finished() {
      return outcome != null;
    }

    JsonObject toJson() {
      return JournalRecords.toJson(entry, outcome, error, reply, replyState == null ? null : replyState.label(),
        outcome == null ? null : finishedAt);
    }
  }

  @Override
  public String type() {
    return "memory";
  }

  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public synchronized Future<AppendResult> append(JournalEntry entry, long dedupSince) {
    String key = keyOf(entry.account(), entry.contactId(), entry.dedupKey());
    if (key != null) {
      TakenKey taken = keys.get(key);
      if (taken != null && taken.takenAt() >= dedupSince) {
        return Future.succeededFuture(AppendResult.DUPLICATE);
      }
      keys.remove(key); // re-inserted last: keys stay in taking order
      keys.put(key, new TakenKey(entry.acceptedAt(), entry.processId()));
      if (keys.size() > maxKeys) {
        Iterator<String> eldest = keys.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
    Row row = new Row(entry.withSequence(++sequence));
    live.put(row.entry.sequence(), row);
    byProcessId.put(entry.processId(), row);
    appends++;
    return Future.succeededFuture(AppendResult.APPENDED);
  }

  @Override
  public synchronized Future<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt) {
    Row row = byProcessId.get(processId);
    if (row != null && !row.finished()) {
      row.entry = row.entry.withAttempts(attempt);
      row.leaseToken = leaseToken;
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> recordOutcome(OutcomeRecord outcome) {
    Row row = byProcessId.get(outcome.processId());
    if (row == null || row.finished()) {
      return Future.succeededFuture();
    }
    row.outcome = outcome.outcome();
    row.error = outcome.error();
    row.reply = outcome.reply();
    row.replyState = outcome.reply() == null ? ReplyState.NONE : ReplyState.PENDING;
    row.finishedAt = outcome.finishedAt();
    if (outcome.forgetDedupKey()) {
      String key = keyOf(row.entry.account(), row.entry.contactId(), row.entry.dedupKey());
      if (key != null && keys.get(key) instanceof TakenKey taken && taken.processId().equals(row.entry.processId())) {
        keys.remove(key); // only if still this message's: a later message may have taken the key over
      }
    }
    if (outcome.deadLettered()) {
      addDeadLetter(row);
    }
    forgetIfDone(row);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> markReply(String processId, ReplyState state, long at) {
    Row row = byProcessId.get(processId);
    if (row != null && row.replyState == ReplyState.PENDING) {
      row.replyState = state;
      if (state == ReplyState.FAILED) {
        addDeadLetter(row);
      }
      forgetIfDone(row);
    }
    return Future.succeededFuture();
  }

  private void addDeadLetter(Row row) {
    deadLetters.put(row.entry.processId(), row);
    if (deadLetters.size() > MAX_DEAD_LETTERS) {
      Iterator<String> eldest = deadLetters.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
  }

  private void forgetIfDone(Row row) {
    if (row.finished() && row.replyState != ReplyState.PENDING) {
      live.remove(row.entry.sequence());
      byProcessId.remove(row.entry.processId());
    }
  }

  @Override
  public synchronized Future<Void> pause(ContactPause pause) {
    pauses.put(pause.account() + '\u0000' + pause.contactId(), pause);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> resume(String account, String contactId) {
    pauses.remove(account + '\u0000' + contactId);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Recovery> recover() {
    List<JournalEntry> unfinished = new ArrayList<>();
    List<Recovery.PendingReply> replies = new ArrayList<>();
    for (Row row : live.values()) {
      if (!row.finished()) {
        unfinished.add(row.entry);
      } else if (row.replyState == ReplyState.PENDING) {
        replies.add(new Recovery.PendingReply(row.entry.sequence(), row.entry.processId(), row.entry.account(),
          row.entry.contactId(), row.reply, row.outcome));
      }
    }
    return Future.succeededFuture(new Recovery(unfinished, replies, List.copyOf(pauses.values())));
  }

  /** Finished messages are forgotten when done; only expired dedup keys and old dead letters are left to purge. */
  @Override
  public synchronized Future<Integer> purge(long finishedBefore, int maxRows) {
    int purged = 0;
    Iterator<Map.Entry<String, TakenKey>> oldestKeys = keys.entrySet().iterator();
    while (oldestKeys.hasNext() && oldestKeys.next().getValue().takenAt() < finishedBefore) {
      oldestKeys.remove();
    }
    Iterator<Row> oldestLetters = deadLetters.values().iterator();
    while (oldestLetters.hasNext() && purged < maxRows) {
      Row row = oldestLetters.next();
      if (row.finishedAt >= finishedBefore) {
        break;
      }
      oldestLetters.remove();
      purged++;
    }
    return Future.succeededFuture(purged);
  }

  @Override
  public synchronized Future<List<JsonObject>> deadLetters(int limit, int offset) {
    List<Row> newestFirst = new ArrayList<>(deadLetters.values());
    newestFirst.sort(Comparator.comparingLong((Row row) -> row.entry.sequence()).reversed());
    return Future.succeededFuture(newestFirst.stream().skip(offset).limit(limit).map(this::json).toList());
  }

  @Override
  public synchronized Future<JsonObject> find(String processId) {
    Row row = byProcessId.get(processId);
    if (row == null) {
      row = deadLetters.get(processId);
    }
    return Future.succeededFuture(row == null ? null : json(row));
  }

  /** The row with {@code deadLetter}: a deleted dead letter whose reply is still pending is kept, but no longer one. */
  private JsonObject json(Row row) {
    return row.toJson().put("deadLetter", deadLetters.containsKey(row.entry.processId()));
  }

  @Override
  public synchronized Future<Boolean> deleteDeadLetter(String processId) {
    return Future.succeededFuture(deadLetters.remove(processId) != null);
  }

  @Override
  public synchronized Future<JsonObject> exportContact(String account, String contactId) {
    JsonArray messages = new JsonArray();
    conversationRows(account, contactId).forEach(row -> messages.add(json(row)));
    return Future.succeededFuture(new JsonObject().put("account", account).put("contactId", contactId)
      .put("messages", messages).put("keys", new JsonArray(conversationKeys(account, contactId))));
  }

  @Override
  public synchronized Future<JsonObject> eraseContact(String account, String contactId) {
    List<Row> rows = conversationRows(account, contactId);
    for (Row row : rows) {
      live.remove(row.entry.sequence());
      byProcessId.remove(row.entry.processId());
      deadLetters.remove(row.entry.processId());
    }
    List<String> conversationKeys = conversationKeys(account, contactId);
    String prefix = keyOf(account, contactId, "");
    keys.keySet().removeIf(key -> key.startsWith(prefix));
    return Future.succeededFuture(new JsonObject().put("account", account).put("contactId", contactId)
      .put("messages", rows.size()).put("keys", conversationKeys.size()));
  }

  private List<Row> conversationRows(String account, String contactId) {
    Map<Long, Row> rows = new TreeMap<>();
    for (Row row : live.values()) {
      if (row.entry.account().equals(account) && row.entry.contactId().equals(contactId)) {
        rows.put(row.entry.sequence(), row);
      }
    }
    for (Row row : deadLetters.values()) {
      if (row.entry.account().equals(account) && row.entry.contactId().equals(contactId)) {
        rows.put(row.entry.sequence(), row);
      }
    }
    return new ArrayList<>(rows.values());
  }

  private List<String> conversationKeys(String account, String contactId) {
    String prefix = keyOf(account, contactId, "");
    return keys.keySet().stream().filter(key -> key.startsWith(prefix))
      .map(key -> key.substring(prefix.length())).toList();
  }

  @Override
  public synchronized Future<JsonObject> health() {
    return Future.succeededFuture(new JsonObject().put("type", type()).put("durable", false)
      .put("live", live.size()).put("keys", keys.size()).put("deadLetters", deadLetters.size())
      .put("appends", appends));
  }

  @Override
  public synchronized JournalStats stats() {
    return new JournalStats(appends, appends, 1, 1, 0, 0, 0, -1);
  }

  /** Dedup keys held (statistics). */
  public synchronized int keyCount() {
    return keys.size();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private static String keyOf(String account, String contactId, String dedupKey) {
    return dedupKey == null ? null : account + '\u0000' + contactId + '\u0000' + dedupKey;
  }
}
