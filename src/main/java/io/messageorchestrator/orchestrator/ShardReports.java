package io.messageorchestrator.orchestrator;

import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** Read-only views of one shard's {@link ContactStateMachine}: a contact's status and the shard's statistics. */
final class ShardReports {
  private ShardReports() {
  }

  /** The reply of {@code orchestrator.contact.status}. */
  static JsonObject status(ContactStateMachine shard, int shardIndex, String contactId) {
    return status(shard, shardIndex, contactId, contactId);
  }

  /**
   * @param key the conversation's key ({@code Accounts.conversationKey}); the contact id for the default account
   */
  static JsonObject status(ContactStateMachine shard, int shardIndex, String contactId, String key) {
    ContactLane lane = key == null ? null : shard.contacts().get(key);
    if (lane != null && lane.pause != null) {
      shard.pauses().holding(lane); // a pause whose time is up ends before it is shown
    }
    long now = shard.now();
    JsonObject status = new JsonObject().put("contactId", contactId).put("known", lane != null)
      .put("locked", lane != null && lane.lease != null)
      .put("queueSize", lane == null ? 0 : lane.queueSize())
      .put("waitingForPermit", lane != null && lane.waitingForPermit)
      .put("shard", shardIndex);
    if (lane != null && lane.lease != null) {
      status.put("processId", lane.lease.pending.processId).put("leaseAgeMs", now - lane.lease.startedAt);
    }
    Pending oldest = lane == null ? null : lane.peekQueue();
    if (oldest != null) {
      status.put("oldestWaitMs", now - oldest.acceptedAt);
    }
    if (lane != null) {
      status.put("account", lane.account).put("coalescing", Coalescing.openCount(lane))
        .mergeIn(shard.pauses().describe(lane));
    } else {
      status.put("paused", false).put("heldCount", 0).put("held", new JsonArray()).put("coalescing", 0);
    }
    return status;
  }

  /**
   * This shard's part of {@code getStats()}: counts plus capped lists (longest lease, longest queue first). It runs on
   * the shard's event loop, so the lists are picked in one pass that keeps only {@code listLimit} candidates
   * (O(n log listLimit)) rather than by sorting every busy contact.
   */
  static JsonObject stats(ContactStateMachine shard, ShardIntake intake, int shardIndex, int listLimit) {
    long now = shard.now();
    int contactsWithQueues = 0;
    int leasedCount = 0;
    Top<ContactLane> oldestLeases = new Top<>(listLimit, Comparator.comparingLong(lane -> lane.lease.startedAt));
    Top<ContactLane> longestQueues = new Top<>(listLimit,
      Comparator.comparingInt(ContactLane::queueSize).reversed());
    for (ContactLane lane : shard.contacts().busyLanes()) {
      if (lane.lease != null) {
        leasedCount++;
        oldestLeases.offer(lane);
      }
      if (lane.queueSize() > 0) {
        contactsWithQueues++;
        longestQueues.offer(lane);
      }
    }
    JsonArray active = new JsonArray();
    oldestLeases.inOrder().forEach(lane -> active.add(new JsonObject().put("contactId", lane.contactId)
      .put("processId", lane.lease.pending.processId).put("leaseAgeMs", now - lane.lease.startedAt)));
    JsonArray queueDetails = new JsonArray();
    longestQueues.inOrder().forEach(lane -> queueDetails.add(new JsonObject().put("contactId", lane.contactId)
      .put("queueSize", lane.queueSize()).put("oldestWaitMs", now - lane.peekQueue().acceptedAt)));
    return new JsonObject()
      .put("shard", shardIndex)
      .put("currentlyProcessing", shard.leasesInShard())
      .put("totalQueued", shard.queuedInShard())
      .put("contactsWithQueues", contactsWithQueues)
      .put("activeContactCount", leasedCount)
      .put("rememberedContacts", shard.contacts().size())
      .put("dedupEntries", intake.dedupEntries())
      .put("pausedContacts", shard.pauses().pausedInShard())
      .put("heldMessages", shard.pauses().heldInShard())
      .put("coalescingMessages", shard.coalescing().messagesInShard())
      .put("rateLimited", shard.limits().rateLimited())
      .put("dailyLimited", shard.limits().dailyLimited())
      .put("historyConversations", shard.history().conversations())
      .put("historyLoadFailures", shard.history().loadFailures())
      .put("activeContacts", active)
      .put("queueDetails", queueDetails);
  }

  /** The first {@code limit} elements in {@code order} of those offered, without sorting them all. */
  static final class Top<T> {
    private final int limit;
    private final Comparator<T> order;
    /** Head: the last in {@code order} of those kept, the first to give way. */
    private final PriorityQueue<T> kept;

    Top(int limit, Comparator<T> order) {
      this.limit = limit;
      this.order = order;
      this.kept = new PriorityQueue<>(Math.max(1, Math.min(limit, 1_024)), order.reversed());
    }

    void offer(T candidate) {
      if (kept.size() < limit) {
        kept.add(candidate);
      } else if (limit > 0 && order.compare(candidate, kept.peek()) < 0) {
        kept.poll();
        kept.add(candidate);
      }
    }

    List<T> inOrder() {
      List<T> list = new ArrayList<>(kept);
      list.sort(order);
      return list;
    }
  }
}
