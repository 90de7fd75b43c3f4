package io.messageorchestrator.journal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The SQLite journal's duplicate check: which (account, contact, dedup key) is taken, since when and by which
 * message, held in memory by the writer thread (its only user) and rebuilt from the {@code messages} rows when the
 * journal opens. The rows are the durable truth — a message's key is committed in its own row, in the append's
 * transaction — and this map is their lookup index.
 *
 * <p>Why not a unique index in the file: provider message ids are random, so every append inserted into a random
 * page of a B-tree, and each commit wrote one 4 KiB page to the WAL per new key. Measured on the durable-http
 * benchmark, that doubled the writer's commit time (1.44 → 0.64 ms per group without it) and cost a third of the
 * durable rate. The check and the insert still happen in one transaction on the one writer thread, so nothing can slip
 * between them; changes made in a transaction that rolls back are undone ({@link #rollback}).
 *
 * <p>Bounded: keys older than the dedup window are dropped (oldest first, as they were taken), and at most
 * {@code maxKeys} are kept — {@code dedupMaxEntries}, the same bound the memory journal and the shards' caches have.
 */
final class DedupIndex {
  /**
   * A conversation's dedup key. Its hash is computed once, when it is made: the append makes it on the caller's thread,
   * so the writer thread — the journal's bottleneck — neither hashes the strings nor reads them again to find an entry.
   */
  static final class Key {
    private final String account;
    private final String contactId;
    private final String dedupKey;
    private final int hash;

    Key(String account, String contactId, String dedupKey) {
      this.account = account;
      this.contactId = contactId;
      this.dedupKey = dedupKey;
      this.hash = Objects.hash(account, contactId, dedupKey);
    }

    String account() {
      return account;
    }

    String contactId() {
      return contactId;
    }

    String dedupKey() {
      return dedupKey;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      return this == other || other instanceof Key key && hash == key.hash && dedupKey.equals(key.dedupKey)
        && contactId.equals(key.contactId) && account.equals(key.account);
    }

    @Override
    public String toString() {
      return "Key[" + account + ", " + contactId + ", " + dedupKey + "]";
    }
  }

  record Taken(long takenAt, String processId) {
  }

  private final int maxKeys;
  /** In the order the keys were taken: the oldest first. */
  private final LinkedHashMap<Key, Taken> taken = new LinkedHashMap<>();
  /** Puts and removals of the open transaction, newest last: undone in reverse if it rolls back. */
  private final List<Runnable> undo = new ArrayList<>();
  /** The latest window start a committed append used: older keys can never make a duplicate again. */
  private long expireBefore = Long.MIN_VALUE;
  /** The latest window start of the open transaction: it becomes {@link #expireBefore} if the transaction commits. */
  private long windowStart = Long.MIN_VALUE;
  /** A purge in the open transaction: keys taken before it go when it commits. */
  private long purgeBefore = Long.MIN_VALUE;

  DedupIndex(int maxKeys) {
    this.maxKeys = Math.max(1, maxKeys);
  }

  /**
   * Takes {@code key} for {@code processId} unless another message took it at or after {@code since}: {@code false}
   * means a duplicate (nothing changed).
   */
  boolean take(Key key, long takenAt, String processId, long since) {
    Taken holder = taken.get(key);
    if (holder != null && holder.takenAt() >= since) {
      return false;
    }
    windowStart = Math.max(windowStart, since);
    put(key, holder, new Taken(takenAt, processId));
    return true;
  }

  /** Forgets {@code key} if {@code processId} still holds it (a later message may have taken it over). */
  void forget(Key key, String processId) {
    Taken holder = taken.get(key);
    if (holder != null && holder.processId().equals(processId)) {
      taken.remove(key);
      undo.add(() -> taken.put(key, holder));
    }
  }

  /** Forgets every key of a conversation (its data was erased); answers how many. */
  int forgetConversation(String account, String contactId) {
    int forgotten = 0;
    for (Iterator<Map.Entry<Key, Taken>> it = taken.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Taken> entry = it.next();
      if (entry.getKey().account().equals(account) && entry.getKey().contactId().equals(contactId)) {
        it.remove();
        undo.add(() -> taken.put(entry.getKey(), entry.getValue()));
        forgotten++;
      }
    }
    return forgotten;
  }

  /** The purge: keys taken before {@code before} go when the transaction commits, wherever they are in the order. */
  void purge(long before) {
    purgeBefore = Math.max(purgeBefore, before);
  }

  /** Loads a key found in the journal at open; the caller gives them newest first, so the first one wins. */
  void load(Key key, Taken holder) {
    taken.putIfAbsent(key, holder);
  }

  /** Order after a load of newest-first rows: oldest first again, so expiry walks from the head. */
  void loaded() {
    List<Map.Entry<Key, Taken>> newestFirst = new ArrayList<>(taken.entrySet());
    taken.clear();
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      taken.put(newestFirst.get(i).getKey(), newestFirst.get(i).getValue());
    }
    undo.clear();
  }

  /** The transaction committed: its changes stay; then expired keys, and the oldest beyond the bound, are dropped. */
  void committed() {
    undo.clear();
    expireBefore = Math.max(expireBefore, windowStart);
    windowStart = Long.MIN_VALUE;
    if (purgeBefore != Long.MIN_VALUE) {
      long before = purgeBefore;
      purgeBefore = Long.MIN_VALUE;
      taken.values().removeIf(holder -> holder.takenAt() < before);
    }
    Iterator<Taken> oldestFirst = taken.values().iterator();
    while (oldestFirst.hasNext()) {
      Taken oldest = oldestFirst.next();
      if (oldest.takenAt() >= expireBefore && taken.size() <= maxKeys) {
        break;
      }
      oldestFirst.remove();
    }
  }

  /** The transaction rolled back: undoes its changes, newest first. */
  void rollback() {
    for (int i = undo.size() - 1; i >= 0; i--) {
      undo.get(i).run();
    }
    undo.clear();
    purgeBefore = Long.MIN_VALUE;
    windowStart = Long.MIN_VALUE;
  }

  int size() {
    return taken.size();
  }

  private void put(Key key, Taken before, Taken holder) {
    if (before != null) {
      taken.remove(key); // re-inserted at the end: the newest
    }
    taken.put(key, holder);
    undo.add(() -> {
      taken.remove(key);
      if (before != null) {
        taken.put(key, before);
      }
    });
  }
}
