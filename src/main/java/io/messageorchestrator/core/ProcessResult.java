package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

/**
 * The answer to {@code processMessage}, in the original's shape ({@code success}, {@code queued}, {@code response},
 * {@code processId}, and where they apply {@code queuePosition}, {@code fallback}, {@code error},
 * {@code duplicate}), plus a {@code status} and, for rejections, a {@code reason}.
 */
public record ProcessResult(
  Status status,
  boolean success,
  boolean queued,
  String response,
  String processId,
  Integer queuePosition,
  boolean fallback,
  String error,
  boolean duplicate,
  String reason) {

  /**
   * {@code ACCEPTED} answers an accept-only request (webhooks): the message has its place and its reply will go out
   * on {@code messageProcessed}.
   */
  public enum Status {
    /** {@code HELD}: accepted (journaled) while its conversation is paused for a human (V3); not given to the agent. */
    PROCESSED, QUEUED, DUPLICATE, REJECTED, FAILED, TIMED_OUT, ACCEPTED, HELD;

    public String label() {
      return name().toLowerCase();
    }
  }

  public static ProcessResult processed(String processId, String response) {
    return new ProcessResult(Status.PROCESSED, true, false, response, processId, null, false, null, false, null);
  }

  public static ProcessResult failed(Status status, String processId, String fallbackResponse, String error) {
    return new ProcessResult(status, false, false, fallbackResponse, processId, null, true, error, false, null);
  }

  public static ProcessResult queued(String processId, int queuePosition) {
    return new ProcessResult(Status.QUEUED, false, true, null, processId, queuePosition, false, null, false, null);
  }

  /** @param queuePosition 0 when processing already started */
  public static ProcessResult accepted(String processId, int queuePosition) {
    return new ProcessResult(Status.ACCEPTED, true, true, null, processId, queuePosition, false, null, false, null);
  }

  /**
   * V3: accepted while the conversation is paused; not final: on resume it is processed or ends
   * {@code handled_by_human} ({@code handoff.onResume}). {@code queuePosition}: its place among the held messages.
   */
  public static ProcessResult held(String processId, int heldPosition) {
    return new ProcessResult(Status.HELD, true, true, null, processId, heldPosition, false, null, false, null);
  }

  public static ProcessResult ofDuplicate() {
    return new ProcessResult(Status.DUPLICATE, true, false, null, null, null, false, null, true, null);
  }

  public static ProcessResult rejected(String processId, String reason, String error) {
    return new ProcessResult(Status.REJECTED, false, false, null, processId, null, false, error, false, reason);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("success", success)
      .put("queued", queued)
      .put("status", status.label())
      .put("response", response)
      .put("processId", processId);
    if (queuePosition != null) {
      json.put("queuePosition", queuePosition);
    }
    if (fallback) {
      json.put("fallback", true);
    }
    if (error != null) {
      json.put("error", error);
    }
    if (duplicate) {
      json.put("duplicate", true);
    }
    if (reason != null) {
      json.put("reason", reason);
    }
    return json;
  }

  /** The record back from {@link #toJson()}: an answer that came from a shard on another node. */
  public static ProcessResult fromJson(JsonObject json) {
    return new ProcessResult(Status.valueOf(json.getString("status").toUpperCase(java.util.Locale.ROOT)),
      json.getBoolean("success", false), json.getBoolean("queued", false), json.getString("response"),
      json.getString("processId"), json.getInteger("queuePosition"), json.getBoolean("fallback", false),
      json.getString("error"), json.getBoolean("duplicate", false), json.getString("reason"));
  }
}
