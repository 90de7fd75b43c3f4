package io.messageorchestrator.orchestrator;

import io.messageorchestrator.journal.AppendResult;
import io.messageorchestrator.support.ForwardingJournal;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.JournalUnavailableException;
import io.messageorchestrator.journal.MemoryJournal;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;

/**
 * A durable-looking journal whose appends complete only when the test says so (the real stores complete them after
 * their commit, later): shows what the shard does while a message is being journaled. Everything else is a
 * {@link MemoryJournal}'s.
 */
final class HeldJournal extends ForwardingJournal {
  private final ArrayDeque<Held> held = new ArrayDeque<>();

  HeldJournal() {
    super(new MemoryJournal(1_000));
  }

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
}
