package io.messageorchestrator.journal;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One shard's view of a shared PostgreSQL journal, owned at one epoch ({@link PostgresJournal#forShard}): its writes
 * go through the journal's writer (grouped with the node's other shards' writes) as statements guarded by the epoch,
 * refused with {@link ShardFencedException} once the shard has a newer owner. Everything else is the journal's.
 */
final class ShardJournal implements Journal {
  private final PostgresJournal journal;
  private final PgWriter writer;
  private final PgStatements statements;
  private final int shard;
  private final long epoch;

  ShardJournal(PostgresJournal journal, PgWriter writer, PgStatements statements, int shard, long epoch) {
    this.journal = journal;
    this.writer = writer;
    this.statements = statements;
    this.shard = shard;
    this.epoch = epoch;
  }

  @Override
  public String type() {
    return journal.type();
  }

  @Override
  public boolean durable() {
    return journal.durable();
  }

  @Override
  public boolean fenced() {
    return true;
  }

  @Override
  public Future<AppendResult> append(JournalEntry entry, long dedupSince) {
    return writer.submit(statements.append(entry, dedupSince, shard, epoch), true);
  }

  @Override
  public Future<Void> markStarted(String processId, int attempt, long leaseToken, long startedAt) {
    return writer.submit(statements.markStarted(processId, attempt, leaseToken, startedAt, shard, epoch));
  }

  @Override
  public Future<Void> recordOutcome(OutcomeRecord outcome) {
    return writer.submit(statements.recordOutcome(outcome, shard, epoch));
  }

  @Override
  public Future<Void> markReply(String processId, ReplyState state, long at) {
    return writer.submit(statements.markReply(processId, state, at, shard, epoch));
  }

  /** Only while the epoch is current; the row records the shard, so the next owner's recovery finds it. */
  @Override
  public Future<Void> pause(ContactPause pause) {
    return writer.submit(statements.pause(pause, shard, epoch));
  }

  @Override
  public Future<Void> resume(String account, String contactId) {
    return writer.submit(statements.resume(account, contactId, shard, epoch));
  }

  @Override
  public boolean historyOnDemand() {
    return journal.historyOnDemand();
  }

  @Override
  public Future<List<HistoryTurn>> history(String account, String contactId, int limit, long since) {
    return journal.history(account, contactId, limit, since);
  }

  @Override
  public Future<Recovery> recover() {
    return writer.submit(statements.recover(shard, epoch));
  }

  /** The journal's purge: finished rows of any shard (it changes nothing an owner still needs). */
  @Override
  public Future<Integer> purge(long finishedBefore, int maxRows) {
    return journal.purge(finishedBefore, maxRows);
  }

  @Override
  public Future<List<JsonObject>> deadLetters(int limit, int offset) {
    return journal.deadLetters(limit, offset);
  }

  @Override
  public Future<JsonObject> find(String processId) {
    return journal.find(processId);
  }

  /** Only a dead letter of this shard, and only while the epoch is current. */
  @Override
  public Future<Boolean> deleteDeadLetter(String processId) {
    return writer.submit(statements.deleteDeadLetter(processId, shard, epoch));
  }

  @Override
  public Future<JsonObject> exportContact(String account, String contactId) {
    return journal.exportContact(account, contactId);
  }

  /** The conversation belongs to this shard: all its rows and keys are erased, only while the epoch is current. */
  @Override
  public Future<JsonObject> eraseContact(String account, String contactId) {
    return writer.submit(statements.eraseContact(account, contactId, shard, epoch));
  }

  @Override
  public Future<JsonObject> health() {
    return journal.health();
  }

  @Override
  public JournalStats stats() {
    return journal.stats();
  }

  /** Closes nothing: the journal is shared by the node's shards (close it instead). */
  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  @Override
  public String toString() {
    return "shard " + shard + " at epoch " + epoch + " of " + journal.schema();
  }
}
