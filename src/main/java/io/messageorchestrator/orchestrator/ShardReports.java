package io.messageorchestrator.orchestrator;

import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Read-only views of one shard's {@link ContactStateMachine}: a contact's status and the shard's statistics. */
final class ShardReports {
  private ShardReports() {
  }

  /** The reply of {@code orchestrator.contact.status}. */
  static JsonObject status(ContactStateMachine shard, int shardIndex, String contactId) {
    ContactLane lane = contactId == null ? null : shard.contacts().get(contactId);
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
    return status;
  }

  /** This shard's part of {@code getStats()}: counts plus capped lists (largest first). */
  static JsonObject stats(ContactStateMachine shard, ShardIntake intake, int shardIndex, int listLimit) {
    long now = shard.now();
    int contactsWithQueues = 0;
    List<ContactLane> leased = new ArrayList<>();
    List<ContactLane> queued = new ArrayList<>();
    for (ContactLane lane : shard.contacts().busyLanes()) {
      if (lane.lease != null) {
        leased.add(lane);
      }
      if (lane.queueSize() > 0) {
        contactsWithQueues++;
        queued.add(lane);
      }
    }
    JsonArray active = new JsonArray();
    leased.stream().sorted(Comparator.comparingLong(lane -> lane.lease.startedAt)).limit(listLimit)
      .forEach(lane -> active.add(new JsonObject().put("contactId", lane.contactId)
        .put("processId", lane.lease.pending.processId).put("leaseAgeMs", now - lane.lease.startedAt)));
    JsonArray queueDetails = new JsonArray();
    queued.stream().sorted(Comparator.comparingInt(ContactLane::queueSize).reversed()).limit(listLimit)
      .forEach(lane -> queueDetails.add(new JsonObject().put("contactId", lane.contactId)
        .put("queueSize", lane.queueSize()).put("oldestWaitMs", now - lane.peekQueue().acceptedAt)));
    return new JsonObject()
      .put("shard", shardIndex)
      .put("currentlyProcessing", shard.leasesInShard())
      .put("totalQueued", shard.queuedInShard())
      .put("contactsWithQueues", contactsWithQueues)
      .put("activeContactCount", leased.size())
      .put("rememberedContacts", shard.contacts().size())
      .put("dedupEntries", intake.dedupEntries())
      .put("activeContacts", active)
      .put("queueDetails", queueDetails);
  }
}
