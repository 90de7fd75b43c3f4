package io.messageorchestrator.outbound;

import io.messageorchestrator.support.ForwardingJournal;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.journal.OutcomeRecord;
import io.messageorchestrator.journal.ReplyState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A {@link MemoryJournal} that also records every {@link #markReply} call, and lets a test wait for one. */
final class RecordingJournal extends ForwardingJournal {
  private final List<String> marks = new ArrayList<>();
  private final Map<String, Promise<ReplyState>> marked = new HashMap<>();

  RecordingJournal() {
    super(new MemoryJournal(1_000));
  }

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
}
