package io.messageorchestrator.outbound;

import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.journal.ReplyState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@link MemoryJournal} that also records every {@link #markReply} call, and lets a test wait for one. */
final class RecordingJournal implements Journal {
  final MemoryJournal store = new MemoryJournal(1_000);
  private final List<String> marks = new ArrayList<>();
  private final Map<String, Promise<ReplyState>> marked = new HashMap<>();

  /** Appends a message and records its outcome with {@code reply}: the reply is then pending in the outbox. */
  void pendingReply(String processId, String account, String contactId, String reply) {
    store.append(new JournalEntry(0, processId, account, contactId, "m-" + processId,
      new JsonObject().put("text", "question"), System.currentTimeMillis(), 1, null), 0);
    store.recordOutcome(new OutcomeRecord(processId, "processed", reply, null, System.currentTimeMillis(), false));
  }

  /** Completes with the state {@code processId}'s reply was first marked with. */
  synchronized Future<ReplyState> mark(String processId) {
    return marked.computeIfAbsent(processId, id -> Promise.promise()).future();
  }

  /** {@code processId:state} of every mark, in call order. */
  synchronized List<String> marks() {
    return List.copyOf(marks);
  }

  @Override
  public synchronized Future<Void> markReply(String processId, ReplyState state, long at) {
    marks.add(processId + ":" + state.label());
    marked.computeIfAbsent(processId, id -> Promise.promise()).tryComplete(state);
    return store.markReply(processId, state, at);
  }

  @Override
  public String type() {
    return store.type();
  }

  @Override
  public boolean durable() {
    return store.durable();
  }

  @Override
  public Future<AppendResult> append(JournalEntry entry, long dedupSince) {
    return store.append(entry, dedupSince);
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
  public Future<Void> close() {
    return store.close();
  }
}
