package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.vertx.core.json.JsonObject;

/**
 * selfcheck (not part of {@code all}): proves the checks bite. It feeds the harness's own accounting wrong facts, so
 * its line must report a lost message, out-of-order messages and two messages of one contact at once, and the
 * command must exit 1: message 0 claims sequence 1 and message 1 sequence 0 of the same contact (order), message 2
 * comes from another real contact but claims the first one's index (two "at once"), and message 3 is never sent
 * (lost).
 */
final class SelfCheckScenario {
  private SelfCheckScenario() {
  }

  static Result run() throws InterruptedException {
    JsonObject config = new JsonObject().put("shutdownGracePeriod", 1_000);
    BenchAgent agent = BenchAgent.sleeping(2, 50);
    Tracker tracker = new Tracker(4, 2, true);
    try (Harness harness = Harness.start(config, agent, tracker, OrchestratorSuite.Options.defaults().withoutHttp())) {
      tracker.expect(3, 3);
      harness.driver.runOnContext(v -> {
        harness.submit(0, 0, MsgText.text(0, 0, 1, 32), false);
        harness.submit(1, 0, MsgText.text(1, 0, 0, 32), false);
        harness.submit(2, 1, MsgText.text(2, 0, 2, 32), false);
      });
      tracker.awaitDone(30_000);
    }
    double wallMs = (tracker.lastOutcomeNanos() - tracker.firstSubmitNanos()) / 1e6;
    return Result.of("selfcheck", 4, tracker, agent, wallMs)
      .latency(tracker.eventLatency, "submit -> messageProcessed event")
      .target("must report violations: 1 lost, out of order, 2 at once (exit status 1)");
  }
}
