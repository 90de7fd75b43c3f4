package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Accounts;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The contacts one shard remembers (R12): idle ones are forgotten after {@code idleContactTtl}, or earlier, longest
 * idle first, when {@code maxContacts} is reached. Every lane is in exactly one of two maps:
 * <ul>
 *   <li>{@code busy}: lanes with a lease, a queue or a pending permit — what sweeps and statistics look at;</li>
 *   <li>{@code idle}: lanes with nothing to do, in the order they became idle, so the head is the longest idle and
 *   eviction never skips over busy lanes.</li>
 * </ul>
 * Confined to its shard's context.
 */
final class ContactTable {
  private final HashMap<String, ContactLane> busy = new HashMap<>();
  private LinkedHashMap<String, ContactLane> idle = new LinkedHashMap<>();
  /** The most idle lanes remembered since the idle table was last rebuilt (hash tables never shrink by themselves). */
  private int idleHighWater;
  /** Contacts forgotten early to make room ({@link #evictLongestIdle}) since the last sweep, which reports them. */
  private int evictedForRoom;

  /** @param key the conversation's key ({@code Accounts.conversationKey}: the contact id for the default account) */
  ContactLane get(String key) {
    ContactLane lane = busy.get(key);
    return lane != null ? lane : idle.get(key);
  }

  /** The conversation's lane; a new one starts idle (it becomes busy when a message is enqueued). */
  ContactLane getOrCreate(String account, String contactId, long now) {
    String key = Accounts.conversationKey(account, contactId);
    ContactLane lane = get(key);
    if (lane == null) {
      lane = new ContactLane(key, account, contactId);
      lane.idleSince = now;
      idle.put(key, lane);
      idleHighWater = Math.max(idleHighWater, idle.size());
    }
    return lane;
  }

  void markBusy(ContactLane lane) {
    if (!lane.busy) {
      lane.busy = true;
      idle.remove(lane.key);
      busy.put(lane.key, lane);
    }
  }

  /** A lane that has nothing to do (any more) becomes the newest idle lane. */
  void markIdleIfIdle(ContactLane lane, long now) {
    if (!lane.idle()) {
      return;
    }
    if (lane.busy) {
      lane.busy = false;
      busy.remove(lane.key);
    } else {
      idle.remove(lane.key); // moves to the tail: idle since now
    }
    lane.idleSince = now;
    idle.put(lane.key, lane);
    idleHighWater = Math.max(idleHighWater, idle.size());
  }

  /** The busy lanes (a live view: copy it before ending leases while iterating). */
  Collection<ContactLane> busyLanes() {
    return busy.values();
  }

  List<ContactLane> busySnapshot() {
    return new ArrayList<>(busy.values());
  }

  int size() {
    return busy.size() + idle.size();
  }

  /**
   * Makes room for one more contact under a cap: forgets the longest-idle contact. Returns {@code false} when no
   * contact is idle (the new one must be refused). Message ids stay in the dedup memory, which is separate.
   */
  boolean evictLongestIdle() {
    Iterator<ContactLane> oldest = idle.values().iterator();
    if (!oldest.hasNext()) {
      return false;
    }
    oldest.next();
    oldest.remove();
    evictedForRoom++;
    return true;
  }

  /**
   * Forgets the lanes idle for at least {@code ttl} ms; returns how many, plus those forgotten early to make room
   * since the last call.
   */
  int evictIdleSince(long now, long ttl) {
    int evicted = evictedForRoom;
    evictedForRoom = 0;
    Iterator<ContactLane> iterator = idle.values().iterator();
    while (iterator.hasNext()) {
      ContactLane lane = iterator.next();
      if (now - lane.idleSince < ttl) {
        break;
      }
      iterator.remove();
      evicted++;
    }
    if (evicted > 0 && idle.size() < idleHighWater / 4 && idleHighWater > 4_096) {
      idle = new LinkedHashMap<>(idle); // give back the table a burst of contacts grew
      idleHighWater = idle.size();
    }
    return evicted;
  }
}
