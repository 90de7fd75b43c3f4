package io.messageorchestrator.agent;

import java.time.Duration;
import java.time.Instant;

/**
 * Who and what is being processed.
 *
 * @param attempt  1 for the first attempt of a message
 * @param deadline when the orchestrator abandons this attempt ({@code processingTimeout} after it started)
 */
public record ProcessingContext(String contactId, String processId, int attempt, Instant deadline) {

  /** Time left before the deadline, never negative: use it as the timeout of remote calls. */
  public Duration remaining() {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }
}
