package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.vertx.core.json.JsonObject;

/**
 * burst: 1,000 contacts × 10 messages submitted at once through {@code OrchestratorClient} (round-robin over the
 * contacts: every contact's message 0, then every contact's message 1, …), the agent sleeping 20 ms per message.
 * Ten serial 20 ms calls per contact make 200 ms the floor. Wall time: first submit → last {@code messageProcessed}.
 */
final class BurstScenario {
  static final int CONTACTS = 1_000;
  static final int PER_CONTACT = 10;
  static final long AGENT_SLEEP_MS = 20;
  static final int TEXT_LENGTH = 64;
  static final double TARGET_WALL_MS = 240;
  static final double DURABLE_TARGET_WALL_MS = 400;

  private BurstScenario() {
  }

  static JsonObject config() {
    return new JsonObject().put("maxConcurrentContacts", CONTACTS).put("maxQueueSize", PER_CONTACT)
      .put("lockTimeout", 0).put("shutdownGracePeriod", 1_000);
  }

  static Result run() throws InterruptedException {
    return run("burst", null, TARGET_WALL_MS);
  }

  /**
   * durable-burst: the same on a SQLite journal of its own (a temporary folder, deleted after): every message is
   * committed and synced before its answer, its start, outcome and reply delivery are journaled too.
   */
  static Result runDurable() throws InterruptedException {
    java.nio.file.Path folder = BenchJournals.sqliteFolder("durable-burst");
    try {
      return run("durable-burst", BenchJournals.sqlite(folder), DURABLE_TARGET_WALL_MS);
    } finally {
      BenchJournals.delete(folder);
    }
  }

  /** @param journal the {@code journal} configuration group, {@code null} for the memory journal */
  static Result run(String name, JsonObject journal, double targetWallMs) throws InterruptedException {
    int total = CONTACTS * PER_CONTACT;
    String[] texts = new String[total];
    for (int contact = 0; contact < CONTACTS; contact++) {
      for (int seq = 0; seq < PER_CONTACT; seq++) {
        int msgNo = contact * PER_CONTACT + seq;
        texts[msgNo] = MsgText.text(msgNo, contact, seq, TEXT_LENGTH);
      }
    }
    BenchAgent agent = BenchAgent.sleeping(CONTACTS, AGENT_SLEEP_MS);
    Tracker tracker = new Tracker(total, CONTACTS, true);
    long[] submitEnd = new long[1];
    long cpuAtStart;
    long cpuAtEnd;
    JsonObject config = journal == null ? config() : config().put("journal", journal);
    try (Harness harness = Harness.start(config, agent, tracker,
      OrchestratorSuite.Options.defaults().withoutHttp())) {
      tracker.expect(total, total);
      cpuAtStart = Result.processCpuNanos();
      harness.driver.runOnContext(v -> {
        for (int seq = 0; seq < PER_CONTACT; seq++) {
          for (int contact = 0; contact < CONTACTS; contact++) {
            int msgNo = contact * PER_CONTACT + seq;
            harness.submit(msgNo, contact, texts[msgNo], true);
          }
        }
        synchronized (submitEnd) {
          submitEnd[0] = System.nanoTime();
        }
      });
      tracker.awaitDone(60_000);
      cpuAtEnd = Result.processCpuNanos();
    }
    double wallMs = (tracker.lastOutcomeNanos() - tracker.firstSubmitNanos()) / 1e6;
    long processed = tracker.processed.get();
    long target = Math.round(targetWallMs);
    Result result = Result.of(name, total, tracker, agent, wallMs)
      .latency(tracker.eventLatency, "submit -> messageProcessed event")
      .target("10,000 processed, replies delivered, 0 out of order, wallMs <= " + target + " (floor 200)")
      .check(processed == total, "only " + processed + " of " + total + " processed")
      .check(tracker.repliesDelivered.get() == total, "only " + tracker.repliesDelivered.get() + " of " + total
        + " replies delivered (replyDelivered events)")
      .check(wallMs <= targetWallMs, "wallMs " + Math.round(wallMs) + " > " + target);
    if (journal != null && tracker.repliesDelivered.get() != total) {
      // "Everything delivered" is part of durable-burst's contract, not only a target.
      result.violation("only " + tracker.repliesDelivered.get() + " of " + total + " replies delivered");
    }
    synchronized (submitEnd) {
      result.detail("submitAllMs", Math.round((submitEnd[0] - tracker.firstSubmitNanos()) / 1e5) / 10.0);
    }
    return result.detail("queuedAnswers", tracker.queuedAnswers.get())
      .detail("cpuMicrosPerMessage", Result.cpuMicrosPer(cpuAtStart, cpuAtEnd, total))
      .detail("config", config);
  }
}
