package io.messageorchestrator.orchestrator;

import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.JournalStats;
import io.messageorchestrator.journal.JournalUnavailableException;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.journal.ReplyState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.List;

/**
 * A durable-looking journal whose appends complete only when the test says so (the real stores complete them after
 * their commit, later): shows what the shard does while a message is being journaled. Everything else is a
 * {@link MemoryJournal}'s.
 */
final class HeldJournal implements Journal {
  private final MemoryJournal store = new MemoryJournal(1_000);
  private final ArrayDeque<Held> held = new ArrayDeque<>();

  private record Held(JournalEntry entry, long dedupSince, Promise<AppendResult> promise) {
  }

  int held() {
    return held.size();
  }

  /** The oldest held append commits. */
  void commitNext() {
    Held next = held.poll();
    store.append(next.entry(), next.dedupSince()).onComplete(next.promise());
  }

  /** The oldest held append fails, as on a full disk: nothing is written. */
  void failNext() {
    held.poll().promise().fail(new JournalUnavailableException("disk full"));
  }

  @Override
  public Future<AppendResult> append(JournalEntry entry, long dedupSince) {
    Promise<AppendResult> promise = Promise.promise();
    held.add(new Held(entry, dedupSince, promise));
    return promise.future();
  }

  @Override
  public String type() {
    return "held";
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public Future<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt) {
    return store.markStarted(processId, attempt, leaseToken, startedAt);
  }

  @Override
  public Future<Void> recordOutcome(OutcomeRecord outcome) {
    return store.recordOutcome(outcome);
  }

  @Override
  public Future<Void> markReply(String processId, ReplyState state, long at) {
    return store.markReply(processId, state, at);
  }

  @Override
  public Future<Recovery> recover() {
    return store.recover();
  }

  @Override
  public Future<Integer> purge(long finishedBefore, int maxRows) {
    return store.purge(finishedBefore, maxRows);
  }

  @Override
  public Future<List<JsonObject>> deadLetters(int limit, int offset) {
    return store.deadLetters(limit, offset);
  }

  @Override
  public Future<JsonObject> find(String processId) {
    return store.find(processId);
  }

  @Override
  public Future<Boolean> deleteDeadLetter(String processId) {
    return store.deleteDeadLetter(processId);
  }

  @Override
  public Future<JsonObject> exportContact(String account, String contactId) {
    return store.exportContact(account, contactId);
  }

  @Override
  public Future<JsonObject> eraseContact(String account, String contactId) {
    return store.eraseContact(account, contactId);
  }

  @Override
  public Future<JsonObject> health() {
    return store.health();
  }

  @Override
  public JournalStats stats() {
    return store.stats();
  }

  @Override
  public Future<Void> close() {
    return store.close();
  }
}
