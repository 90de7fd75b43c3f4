package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.vertx.core.json.JsonObject;

/**
 * hot: one contact, 100 messages submitted at once, {@code maxQueueSize} 100, the agent sleeping 5 ms each: 500 ms
 * of serial work is the floor. Wall time: first submit → last {@code messageProcessed}.
 */
final class HotScenario {
  static final int MESSAGES = 100;
  static final long AGENT_SLEEP_MS = 5;
  static final int TEXT_LENGTH = 64;
  static final double TARGET_WALL_MS = 550;

  private HotScenario() {
  }

  static JsonObject config() {
    return new JsonObject().put("maxQueueSize", MESSAGES).put("shutdownGracePeriod", 1_000);
  }

  static Result run() throws InterruptedException {
    String[] texts = new String[MESSAGES];
    for (int seq = 0; seq < MESSAGES; seq++) {
      texts[seq] = MsgText.text(seq, 0, seq, TEXT_LENGTH);
    }
    BenchAgent agent = BenchAgent.sleeping(1, AGENT_SLEEP_MS);
    Tracker tracker = new Tracker(MESSAGES, 1, true);
    try (Harness harness = Harness.start(config(), agent, tracker,
      OrchestratorSuite.Options.defaults().withoutHttp())) {
      tracker.expect(MESSAGES, MESSAGES);
      harness.driver.runOnContext(v -> {
        for (int seq = 0; seq < MESSAGES; seq++) {
          harness.submit(seq, 0, texts[seq], true);
        }
      });
      tracker.awaitDone(60_000);
    }
    double wallMs = (tracker.lastOutcomeNanos() - tracker.firstSubmitNanos()) / 1e6;
    long processed = tracker.processed.get();
    return Result.of("hot", MESSAGES, tracker, agent, wallMs)
      .latency(tracker.eventLatency, "submit -> messageProcessed event")
      .target("100 processed in order, wallMs <= 550 (floor 500)")
      .check(processed == MESSAGES, "only " + processed + " of " + MESSAGES + " processed")
      .check(tracker.repliesDelivered.get() == MESSAGES, "only " + tracker.repliesDelivered.get() + " of " + MESSAGES
        + " replies delivered (replyDelivered events)")
      .check(wallMs <= TARGET_WALL_MS, "wallMs " + Math.round(wallMs) + " > " + (long) TARGET_WALL_MS)
      .detail("perMessageOverheadMs", Math.round((wallMs / MESSAGES - AGENT_SLEEP_MS) * 1000) / 1000.0)
      .detail("config", config());
  }
}
