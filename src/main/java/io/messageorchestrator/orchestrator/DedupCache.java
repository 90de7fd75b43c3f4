package io.messageorchestrator.orchestrator;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Message ids accepted within the last {@code window} ms (R10), per shard, bounded to {@code maxEntries}: the oldest
 * id is forgotten first. Entries are kept in acceptance order, which is also expiry order, so expiry is O(1) per
 * entry. Confined to its shard's context.
 */
final class DedupCache {
  private final long window;
  private final int maxEntries;
  private final LinkedHashMap<String, Long> expiries = new LinkedHashMap<>();

  DedupCache(long window, int maxEntries) {
    this.window = window;
    this.maxEntries = maxEntries;
  }

  boolean enabled() {
    return window > 0 && maxEntries > 0;
  }

  /** The cache key of a message, or {@code null} when it cannot be deduplicated (no id, or dedup disabled). */
  String keyOf(String contactId, String messageId) {
    return enabled() && messageId != null ? contactId + '\u0000' + messageId : null;
  }

  boolean seen(String key, long now) {
    if (key == null) {
      return false;
    }
    expire(now);
    return expiries.containsKey(key);
  }

  void remember(String key, long now) {
    if (key == null) {
      return;
    }
    expiries.put(key, now + window);
    if (expiries.size() > maxEntries) {
      Iterator<String> eldest = expiries.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
  }

  /** Forgets a key, so a redelivery of a message that was never processed is accepted. */
  void forget(String key) {
    if (key != null) {
      expiries.remove(key);
    }
  }

  int size() {
    return expiries.size();
  }

  private void expire(long now) {
    Iterator<Map.Entry<String, Long>> entries = expiries.entrySet().iterator();
    while (entries.hasNext() && entries.next().getValue() <= now) {
      entries.remove();
    }
  }
}
