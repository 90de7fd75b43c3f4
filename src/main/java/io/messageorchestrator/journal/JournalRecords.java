package io.messageorchestrator.journal;

import io.vertx.core.json.JsonObject;

/** A journaled message as {@link Journal#find}, the dead-letter list and the export show it: one shape for every store. */
final class JournalRecords {
  private JournalRecords() {
  }

  /**
   * @param replyState the reply state's label, or {@code null} while unfinished
   * @param finishedAt epoch ms, or {@code null} while unfinished
   */
  static JsonObject toJson(JournalEntry entry, String outcome, String error, String reply, String replyState,
                           Long finishedAt) {
    JsonObject json = new JsonObject()
      .put("sequence", entry.sequence())
      .put("processId", entry.processId())
      .put("account", entry.account())
      .put("contactId", entry.contactId())
      .put("dedupKey", entry.dedupKey())
      .put("message", entry.message())
      .put("acceptedAt", entry.acceptedAt())
      .put("attempts", entry.attempts())
      .put("outcome", outcome)
      .put("error", error)
      .put("reply", reply)
      .put("replyState", replyState)
      .put("finishedAt", finishedAt);
    if (entry.replayOf() != null) {
      json.put("replayOf", entry.replayOf());
    }
    return json;
  }
}
