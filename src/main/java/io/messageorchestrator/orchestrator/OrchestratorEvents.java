package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.ContactLane.Pending;
import io.messageorchestrator.journal.ContactPause;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The payload of every event a shard publishes, in one place: one method per row of the README's event table, with
 * the same fields in the same order. {@code message} is the message's JSON built once at acceptance.
 */
final class OrchestratorEvents {
  private OrchestratorEvents() {
  }

  static JsonObject messageReceived(String contactId, JsonObject message, long timestamp) {
    return new JsonObject().put("contactId", contactId).put("message", message).put("timestamp", timestamp);
  }

  static JsonObject lockAcquired(String contactId, String processId, long fencingToken, long timestamp) {
    return new JsonObject().put("contactId", contactId).put("processId", processId).put("fencingToken", fencingToken)
      .put("timestamp", timestamp);
  }

  static JsonObject lockReleased(String contactId, long duration, String processId) {
    return new JsonObject().put("contactId", contactId).put("duration", duration).put("processId", processId);
  }

  static JsonObject messageQueued(String contactId, int queueSize, int queuePosition, Pending pending) {
    return new JsonObject().put("contactId", contactId).put("queueSize", queueSize).put("queuePosition", queuePosition)
      .put("processId", pending.processId).put("message", pending.messageJson);
  }

  /** The reply to deliver: {@code outcome} is processed, failed or timed_out. */
  static JsonObject messageProcessed(Pending pending, Outcome outcome, ProcessResult result, long duration,
                                     AgentOutcome reply) {
    JsonObject processed = new JsonObject()
      .put("contactId", pending.contactId)
      .put("account", pending.account)
      .put("processId", pending.processId)
      .put("messageId", pending.message.messageId())
      .put("outcome", outcome.label())
      .put("attempts", pending.attempts)
      .put("response", result.response())
      .put("fallback", result.fallback())
      .put("queued", pending.answeredQueued)
      .put("duration", duration)
      .put("message", pending.messageJson);
    if (reply != null && reply.metadata() != null) {
      processed.put("metadata", reply.metadata());
    }
    if (reply != null && reply.handoff()) {
      processed.put("handoff", true); // the agent asked for a human: the conversation is paused after this reply
    }
    if (pending.replayOf != null) {
      processed.put("replayOf", pending.replayOf);
    }
    if (!pending.coalesced.isEmpty()) {
      // V1/V2: one reply for the call; its messages are listed (this one first), each ends with its own outcome
      JsonArray members = new JsonArray().add(pending.processId);
      pending.coalesced.forEach(member -> members.add(member.processId));
      processed.put("members", members);
    }
    return processed;
  }

  static JsonObject processingError(Pending pending, String error) {
    return new JsonObject().put("contactId", pending.contactId).put("processId", pending.processId)
      .put("error", error).put("message", pending.messageJson);
  }

  static JsonObject processingTimeout(Pending pending, long timeout) {
    return new JsonObject().put("contactId", pending.contactId).put("processId", pending.processId)
      .put("timeout", timeout).put("message", pending.messageJson);
  }

  static JsonObject deadlocksResolved(int count, long timestamp, int shard) {
    return new JsonObject().put("count", count).put("timestamp", timestamp).put("shard", shard);
  }

  static JsonObject messageRejected(String contactId, String reason, String error, JsonObject message) {
    return new JsonObject().put("contactId", contactId).put("reason", reason).put("error", error)
      .put("message", message);
  }

  /** {@code messageDropped} and {@code messageDiscarded}: a message accepted but never processed. */
  static JsonObject messageUnprocessed(Pending pending, Outcome outcome, String reason) {
    return new JsonObject().put("contactId", pending.contactId).put("processId", pending.processId)
      .put("outcome", outcome.label()).put("reason", reason).put("message", pending.messageJson);
  }

  static JsonObject attemptFailed(Pending pending, String reason, long nextAttemptAt) {
    return new JsonObject().put("contactId", pending.contactId).put("processId", pending.processId)
      .put("attempt", pending.attempts).put("reason", reason).put("nextAttemptAt", nextAttemptAt);
  }

  static JsonObject messageDeadLettered(Pending pending, Outcome outcome, String error) {
    return new JsonObject().put("contactId", pending.contactId).put("processId", pending.processId)
      .put("outcome", outcome.label()).put("attempts", pending.attempts).put("error", error);
  }

  static JsonObject messageExpired(Pending pending, long ageMs) {
    return new JsonObject().put("contactId", pending.contactId).put("processId", pending.processId)
      .put("ageMs", ageMs).put("message", pending.messageJson);
  }

  static JsonObject journalRecovered(int messages, int replies, int contacts, long ms) {
    return new JsonObject().put("messages", messages).put("replies", replies).put("contacts", contacts)
      .put("ms", ms);
  }

  static JsonObject duplicateIgnored(String contactId, String messageId) {
    return new JsonObject().put("contactId", contactId).put("messageId", messageId);
  }

  static JsonObject lateResultDiscarded(String contactId, String processId, long fencingToken, long lateByMs) {
    return new JsonObject().put("contactId", contactId).put("processId", processId).put("fencingToken", fencingToken)
      .put("lateByMs", lateByMs);
  }

  static JsonObject messageHeld(Pending pending, int held) {
    return new JsonObject().put("contactId", pending.contactId).put("account", pending.account)
      .put("processId", pending.processId).put("held", held).put("message", pending.messageJson);
  }

  static JsonObject messageCoalescing(Pending pending, int count) {
    return new JsonObject().put("contactId", pending.contactId).put("account", pending.account)
      .put("processId", pending.processId).put("count", count).put("message", pending.messageJson);
  }

  static JsonObject burstFlushed(ContactLane lane, Pending call, int count, String reason) {
    JsonArray processIds = new JsonArray().add(call.processId);
    call.coalesced.forEach(member -> processIds.add(member.processId));
    return new JsonObject().put("contactId", lane.contactId).put("account", lane.account)
      .put("processId", call.processId).put("count", count).put("reason", reason).put("processIds", processIds);
  }

  static JsonObject turnInterrupted(ContactLane lane, Pending call, int count, long ranMs) {
    return new JsonObject().put("contactId", lane.contactId).put("account", lane.account)
      .put("processId", call.processId).put("restarts", call.restarts).put("count", count).put("ranMs", ranMs);
  }

  static JsonObject contactPaused(ContactPause pause, int held) {
    return new JsonObject().put("contactId", pause.contactId()).put("account", pause.account())
      .put("by", pause.by()).put("reason", pause.reason()).put("pausedAt", pause.pausedAt())
      .put("until", pause.until()).put("held", held);
  }

  static JsonObject contactResumed(ContactLane lane, String by, String reason, String onResume, JsonArray processIds) {
    return new JsonObject().put("contactId", lane.contactId).put("account", lane.account).put("by", by)
      .put("reason", reason).put("onResume", onResume).put("held", processIds.size())
      .put("processIds", processIds);
  }

  static JsonObject contactsEvicted(int count, int remaining, int shard) {
    return new JsonObject().put("count", count).put("remaining", remaining).put("shard", shard);
  }
}
