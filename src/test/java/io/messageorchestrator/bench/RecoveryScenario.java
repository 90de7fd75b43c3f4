package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.JournalSettings;
import io.messageorchestrator.journal.SqliteJournal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * recovery: what a crashed node leaves behind — 10,000 accepted, unfinished messages of 1,000 contacts (10 each,
 * appended straight through {@link SqliteJournal} in acceptance order, round-robin over the contacts, as a burst
 * arrives) — then a suite started on that file with an agent that answers at once. Measured from the start of the
 * deploy (the journal is opened by it) to the {@code journalRecovered} event (every message back on its contact's
 * queue), and to the last {@code messageProcessed}; the event's own {@code ms} (recover() → re-queued) is reported
 * too. Every message must be processed once, in per-contact order, its reply delivered.
 */
final class RecoveryScenario {
  static final int CONTACTS = 1_000;
  static final int PER_CONTACT = 10;
  static final int TEXT_LENGTH = 64;
  static final double TARGET_REQUEUED_MS = 2_000;
  static final double TARGET_PROCESSED_MS = 4_000;

  private RecoveryScenario() {
  }

  static JsonObject config(Path folder) {
    return new JsonObject().put("maxConcurrentContacts", CONTACTS).put("maxQueueSize", PER_CONTACT)
      .put("lockTimeout", 0).put("shutdownGracePeriod", 1_000).put("journal", BenchJournals.sqlite(folder));
  }

  static Result run() throws Exception {
    Path folder = BenchJournals.sqliteFolder("recovery");
    try {
      return run(folder);
    } finally {
      BenchJournals.delete(folder);
    }
  }

  private static Result run(Path folder) throws Exception {
    int total = CONTACTS * PER_CONTACT;
    long writeStart = System.nanoTime();
    writeUnfinished(folder, total);
    double writeMs = (System.nanoTime() - writeStart) / 1e6;
    BenchAgent agent = BenchAgent.echo(CONTACTS);
    Tracker tracker = new Tracker(total, CONTACTS, false);
    tracker.expect(total, 0);
    JsonObject recovered;
    double requeuedMs;
    double processedMs;
    boolean complete;
    JsonObject config = config(folder);
    try (Harness harness = Harness.start(config, agent, tracker, OrchestratorSuite.Options.defaults().withoutHttp())) {
      complete = tracker.awaitDone(60_000);
      recovered = tracker.recovered.getNow(null);
      requeuedMs = (tracker.recoveredAtNanos() - tracker.deployStartNanos()) / 1e6;
      processedMs = (tracker.lastOutcomeNanos() - tracker.deployStartNanos()) / 1e6;
    }
    long processed = tracker.processed.get();
    Result result = Result.of("recovery", total, tracker, agent, processedMs)
      .target("10,000 unfinished messages of 1,000 contacts: journal opened -> all re-queued <= 2,000 ms, "
        + "-> all processed (0 ms agent) <= 4,000 ms, every reply delivered")
      .check(recovered != null && recovered.getInteger("messages") == total,
        "journalRecovered reported " + (recovered == null ? "nothing" : recovered.getInteger("messages"))
          + " messages, not " + total)
      .check(requeuedMs <= TARGET_REQUEUED_MS, "re-queued after " + Math.round(requeuedMs) + " ms > 2,000")
      .check(processedMs <= TARGET_PROCESSED_MS, "processed after " + Math.round(processedMs) + " ms > 4,000");
    if (!complete || processed != total) {
      result.violation("only " + processed + " of " + total + " recovered messages processed");
    }
    if (tracker.repliesDelivered.get() != total) {
      result.violation("only " + tracker.repliesDelivered.get() + " of " + total + " replies delivered");
    }
    return result.detail("openToRequeuedMs", round1(requeuedMs))
      .detail("openToProcessedMs", round1(processedMs))
      .detail("journalRecovered", recovered)
      .detail("writeUnfinishedMs", round1(writeMs))
      .detail("config", config);
  }

  /** Appends the messages as a node accepting a burst would have, then closes the journal (no outcome recorded). */
  private static void writeUnfinished(Path folder, int total) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      JournalSettings settings = JournalSettings.memory().withType("sqlite")
        .withPath(folder.resolve("orchestrator.db").toString());
      SqliteJournal journal = Harness.await(SqliteJournal.open(vertx, settings), 30_000);
      try {
        long acceptedAt = System.currentTimeMillis();
        List<Future<AppendResult>> appends = new ArrayList<>(total);
        for (int seq = 0; seq < PER_CONTACT; seq++) {
          for (int contact = 0; contact < CONTACTS; contact++) {
            int msgNo = contact * PER_CONTACT + seq;
            InboundMessage message = new InboundMessage(MsgText.text(msgNo, contact, seq, TEXT_LENGTH),
              "wamid." + msgNo, "text", acceptedAt, null);
            appends.add(journal.append(new JournalEntry(0, UUID.randomUUID().toString(), "default",
              MsgText.contactId(contact), message.messageId(), message.toJson(), acceptedAt, 0, null), 0));
          }
        }
        Harness.await(Future.all(appends), 60_000);
      } finally {
        Harness.await(journal.close(), 30_000);
      }
    } finally {
      Harness.await(vertx.close(), 30_000);
    }
  }

  private static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
