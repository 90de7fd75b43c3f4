package io.messageorchestrator.journal;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Run in a child JVM by {@link SqliteJournalTest}: opens the SQLite journal {@code args[0]} in a fresh process
 * (so the driver loads its native library for the first time), prints what it found, closes and exits.
 * Prints {@code OPENED <org.sqlite.tmpdir> <files in <folder>/native>} and exits 0, or {@code REFUSED <message>} and
 * exits 3. With a second argument {@code append}, it appends forever instead (32 in flight) and prints
 * {@code ACK <processId>} once each append's future has completed, until it is killed; every other acknowledged
 * message then gets an outcome (an unsynced lifecycle write), printed {@code DONE <processId>} once it completed.
 */
public final class SqliteJournalChild {
  private SqliteJournalChild() {
  }

  public static void main(String[] args) throws Exception {
    Path database = Path.of(args[0]);
    Vertx vertx = Vertx.vertx();
    int status;
    try {
      SqliteJournal journal = SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite")
        .withPath(database.toString())).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (args.length > 1 && args[1].equals("append")) {
        appendUntilKilled(journal);
      }
      try (Stream<Path> files = Files.list(database.toAbsolutePath().getParent().resolve("native"))) {
        System.out.println("OPENED " + System.getProperty(SqliteFiles.NATIVE_FOLDER_PROPERTY) + " "
          + files.map(file -> file.getFileName().toString()).sorted().toList());
      }
      journal.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      status = 0;
    } catch (java.util.concurrent.ExecutionException e) {
      System.out.println("REFUSED " + e.getCause().getMessage());
      status = 3;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.exit(status);
  }

  private static void print(String line) {
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }

  private static void appendUntilKilled(SqliteJournal journal) throws InterruptedException {
    Semaphore inFlight = new Semaphore(32);
    for (long i = 0; ; i++) {
      inFlight.acquire();
      String processId = "crash-" + i;
      journal.append(new JournalEntry(0, processId, "default", "contact-" + (i % 20), "key-" + i,
          new JsonObject().put("text", "message " + i), System.currentTimeMillis(), 0, null), 0)
        .onComplete(appended -> {
          if (appended.succeeded()) {
            print("ACK " + processId);
          }
          if (appended.succeeded() && processId.hashCode() % 2 == 0) {
            journal.recordOutcome(new OutcomeRecord(processId, "processed", null, null, System.currentTimeMillis(),
              false)).onComplete(finished -> {
                if (finished.succeeded()) {
                  print("DONE " + processId);
                }
                inFlight.release();
              });
          } else {
            inFlight.release();
          }
        });
    }
  }
}
