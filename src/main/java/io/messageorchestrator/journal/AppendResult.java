package io.messageorchestrator.journal;

/** What {@link Journal#append} did. */
public enum AppendResult {
  /** Committed and synced: the message is accepted. */
  APPENDED,
  /** Its dedup key was already taken within the dedup window: nothing was written. */
  DUPLICATE
}
