package io.messageorchestrator.support;

import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.journal.ContactPause;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.JournalStats;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.journal.ReplyState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** A journal that forwards every call to another: tests extend it to hold, fail or record the calls they study. */
public abstract class ForwardingJournal implements Journal {
  protected final Journal store;

  protected ForwardingJournal(Journal store) {
    this.store = store;
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
  public Future<Void> markReply(String processId, ReplyState state, long at) {
    return store.markReply(processId, state, at);
  }

  @Override
  public Future<Void> pause(ContactPause pause) {
    return store.pause(pause);
  }

  @Override
  public Future<Void> resume(String account, String contactId) {
    return store.resume(account, contactId);
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
