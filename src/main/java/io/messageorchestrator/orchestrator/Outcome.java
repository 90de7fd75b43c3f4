package io.messageorchestrator.orchestrator;

/** The one terminal outcome of every accepted message (R9). */
public enum Outcome {
  PROCESSED("processed"),
  FAILED("failed"),
  TIMED_OUT("timed_out"),
  /** Older than {@code maxMessageAge} when its turn came: never given to the agent. */
  EXPIRED("expired"),
  DROPPED("dropped"),
  /** Only with the {@code memory} journal: a durable journal keeps the message for the next start. */
  DISCARDED_ON_SHUTDOWN("discarded_on_shutdown"),
  /** V3: held while its conversation was paused; on resume ({@code handoff.onResume=skip}) the human had it. */
  HANDLED_BY_HUMAN("handled_by_human"),
  /**
   * V3: held while its conversation was paused; on resume ({@code handoff.onResume=last}) it went to the agent as
   * context of the last held message, whose reply answers it.
   */
  ANSWERED_WITH_LAST("answered_with_last"),
  /**
   * V1/V2: went to the agent in one call with other messages of its contact (a burst, a merge, a restart) and was
   * answered by that call's reply; the call is named by its first message's processId (the journal's detail column
   * reads {@code coalesced into <processId>}).
   */
  COALESCED_INTO("coalesced_into");

  private final String label;

  Outcome(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
