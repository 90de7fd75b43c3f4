package io.messageorchestrator.journal;

import io.vertx.core.json.JsonObject;

/**
 * A conversation's human-handoff pause (V3) as the journal keeps it: while it lasts, the conversation's messages are
 * journaled and held, never given to the agent. One per conversation; a new pause replaces the previous one.
 *
 * @param account   the business number / instance ({@code default} when none)
 * @param contactId the contact; (account, contactId) is the conversation
 * @param pausedAt  when it was paused (the journal's clock: epoch ms for a durable journal)
 * @param until     when it resumes by itself, on the same clock (a restart resumes the countdown from it)
 * @param by        who paused it: {@code operator}, {@code agent} or {@code business}
 * @param reason    why, or {@code null}
 */
public record ContactPause(String account, String contactId, long pausedAt, long until, String by, String reason) {

  public JsonObject toJson() {
    return new JsonObject().put("account", account).put("contactId", contactId).put("pausedAt", pausedAt)
      .put("until", until).put("by", by).put("reason", reason);
  }
}
