package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;

import java.util.concurrent.ThreadLocalRandom;

/**
 * J6: how long a message waits before its next attempt — exponential backoff with full jitter: a random delay in
 * [1, min(maxBackoff, initialBackoff × 2^(attempt-1))], so contacts that failed together do not retry together.
 */
final class Retries {
  private final OrchestratorConfig.Retry settings;

  Retries(OrchestratorConfig.Retry settings) {
    this.settings = settings;
  }

  /** @param attempt the attempt that just failed (1-based) */
  long backoff(int attempt) {
    long cap = settings.initialBackoff();
    for (int i = 1; i < attempt && cap < settings.maxBackoff(); i++) {
      cap *= 2;
    }
    cap = Math.min(cap, settings.maxBackoff());
    return 1 + ThreadLocalRandom.current().nextLong(cap);
  }
}
