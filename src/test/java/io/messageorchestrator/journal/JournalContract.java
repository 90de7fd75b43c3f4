package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every journal store keeps ({@code memory}, {@code sqlite}, {@code postgres}): one subclass per store
 * gives {@link #open}. Each test gets a fresh store in its own temporary folder and its own Vert.x. Calls are made
 * from the JUnit thread (never an event loop) and awaited, except where the calling context is the point.
 *
 * <p>Rows that finished and need nothing more may be forgotten at once by a store (memory) or kept until purged
 * (sqlite, postgres): the cases here observe only what every store must show.
 */
@Timeout(60)
public abstract class JournalContract {
  protected static final String ACCOUNT = "default";

  @TempDir
  protected Path folder;
  protected Vertx vertx;
  protected Journal journal;
  private final AtomicInteger ids = new AtomicInteger();

  /** A new, empty store whose data (if durable) lives under {@code folder}; each test calls it once. */
  protected abstract Future<Journal> open(Vertx vertx, Path folder);

  /** The same store again after {@link Journal#close()} (durable stores only): by default {@link #open} again. */
  protected Future<Journal> reopen(Vertx vertx, Path folder) {
    return open(vertx, folder);
  }

  /** Transactions the store committed so far, for stores that count them; -1 when it does not. */
  protected long commits(Journal journal) {
    return -1;
  }

  @BeforeEach
  void openJournal() {
    vertx = Vertx.vertx();
    journal = Await.result(open(vertx, folder));
  }

  @AfterEach
  void closeJournal() {
    try {
      if (journal != null) {
        Await.result(journal.close());
      }
    } finally {
      Await.result(vertx.close());
    }
  }

  // Helpers

  protected JournalEntry entry(String account, String contactId, String dedupKey, long acceptedAt) {
    String processId = "p-" + ids.incrementAndGet();
    return new JournalEntry(0, processId, account, contactId, dedupKey,
      new JsonObject().put("text", "hello " + processId).put("type", "text").put("messageId", dedupKey)
        .put("timestamp", acceptedAt),
      acceptedAt, 0, null);
  }

  protected JournalEntry entry(String contactId, String dedupKey, long acceptedAt) {
    return entry(ACCOUNT, contactId, dedupKey, acceptedAt);
  }

  protected AppendResult append(JournalEntry entry, long dedupSince) {
    return Await.result(journal.append(entry, dedupSince));
  }

  /** Appends and expects it accepted. */
  protected JournalEntry appended(JournalEntry entry) {
    assertThat(append(entry, 0)).isEqualTo(AppendResult.APPENDED);
    return entry;
  }

  protected void outcome(JournalEntry entry, String outcome, String reply, long finishedAt) {
    Await.result(journal.recordOutcome(new OutcomeRecord(entry.processId(), outcome, reply,
      outcome.equals("processed") ? null : "why: " + outcome, finishedAt, false)));
  }

  protected Recovery recover() {
    return Await.result(journal.recover());
  }

  protected List<String> unfinishedIds() {
    return recover().unfinished().stream().map(JournalEntry::processId).toList();
  }

  protected List<String> pendingReplyIds() {
    return recover().replies().stream().map(Recovery.PendingReply::processId).toList();
  }

  protected List<String> deadLetterIds(int limit, int offset) {
    return Await.result(journal.deadLetters(limit, offset)).stream().map(json -> json.getString("processId")).toList();
  }

  // Append and duplicates

  @Test
  @DisplayName("an appended message is listed by recover with everything it was appended with")
  void appendedMessageIsRecovered() {
    JournalEntry entry = new JournalEntry(0, "p-fields", "15550001", "contact-1", "wamid.1",
      new JsonObject().put("text", "hi").put("type", "text").put("metadata", new JsonObject().put("x", 1)),
      1_700_000_000_123L, 0, "p-old");
    assertThat(append(entry, 0)).isEqualTo(AppendResult.APPENDED);

    List<JournalEntry> unfinished = recover().unfinished();
    assertThat(unfinished).hasSize(1);
    JournalEntry recovered = unfinished.getFirst();
    assertThat(recovered.sequence()).isPositive();
    assertThat(recovered.withSequence(0)).isEqualTo(entry);
    assertThat(recover().replies()).isEmpty();
  }

  @Test
  @DisplayName("a key taken within the dedup window makes a DUPLICATE, and nothing of the duplicate is written")
  void duplicateWithinWindowIsNotWritten() {
    JournalEntry first = appended(entry("c1", "wamid.A", 1_000));
    JournalEntry redelivery = entry("c1", "wamid.A", 2_000);

    // Taken at 1,000: a window starting at or before 1,000 still holds it.
    assertThat(append(redelivery, 1_000)).isEqualTo(AppendResult.DUPLICATE);
    assertThat(append(redelivery, 0)).isEqualTo(AppendResult.DUPLICATE);

    assertThat(unfinishedIds()).containsExactly(first.processId());
    assertThat(Await.result(journal.find(redelivery.processId()))).isNull();
  }

  @Test
  @DisplayName("a key taken before the window's start is taken over: the message is appended, and holds the key now")
  void expiredKeyIsTakenOver() {
    JournalEntry first = appended(entry("c1", "wamid.B", 1_000));
    JournalEntry late = entry("c1", "wamid.B", 5_000);

    assertThat(append(late, 1_001)).isEqualTo(AppendResult.APPENDED);
    // The key is now taken at 5,000: a window starting at 2,000 sees it again.
    assertThat(append(entry("c1", "wamid.B", 6_000), 2_000)).isEqualTo(AppendResult.DUPLICATE);
    assertThat(unfinishedIds()).containsExactly(first.processId(), late.processId());
  }

  @Test
  @DisplayName("a message without a dedup key is never a duplicate")
  void nullKeyIsNeverDuplicate() {
    JournalEntry a = appended(entry("c1", null, 1_000));
    JournalEntry b = appended(entry("c1", null, 1_000));

    assertThat(unfinishedIds()).containsExactly(a.processId(), b.processId());
  }

  @Test
  @DisplayName("the same key for another contact or another account is another message")
  void keyIsPerConversation() {
    JournalEntry a = appended(entry("acct-1", "c1", "wamid.C", 1_000));
    JournalEntry otherContact = entry("acct-1", "c2", "wamid.C", 1_000);
    JournalEntry otherAccount = entry("acct-2", "c1", "wamid.C", 1_000);

    assertThat(append(otherContact, 0)).isEqualTo(AppendResult.APPENDED);
    assertThat(append(otherAccount, 0)).isEqualTo(AppendResult.APPENDED);
    assertThat(append(entry("acct-1", "c1", "wamid.C", 2_000), 0)).isEqualTo(AppendResult.DUPLICATE);
    assertThat(unfinishedIds()).containsExactly(a.processId(), otherContact.processId(), otherAccount.processId());
  }

  @Test
  @DisplayName("recover lists unfinished messages in acceptance order across contacts, sequences rising")
  void recoverKeepsAcceptanceOrder() {
    List<String> expected = new ArrayList<>();
    String[] contacts = {"c2", "c1", "c3", "c1", "c2", "c3", "c1"};
    for (int i = 0; i < contacts.length; i++) {
      // acceptedAt deliberately not in acceptance order: the sequence is the order, not the clock
      expected.add(appended(entry(contacts[i], "k" + i, 10_000 - i)).processId());
    }

    List<JournalEntry> unfinished = recover().unfinished();
    assertThat(unfinished).extracting(JournalEntry::processId).containsExactlyElementsOf(expected);
    assertThat(unfinished).extracting(JournalEntry::sequence).isSorted().doesNotHaveDuplicates();
  }

  // Lifecycle

  @Test
  @DisplayName("markStarted records the attempt; recover shows it; recording the attempt before takes a start back")
  void markStartedSetsAttempts() {
    JournalEntry started = appended(entry("c1", "k1", 1_000));
    JournalEntry waiting = appended(entry("c1", "k2", 1_000));
    JournalEntry takenBack = appended(entry("c2", "k3", 1_000));

    Await.result(journal.markStarted(started.processId(), 1, 7, 1_100));
    Await.result(journal.markStarted(started.processId(), 2, 8, 1_200));
    Await.result(journal.markStarted(takenBack.processId(), 1, 9, 1_300));
    Await.result(journal.markStarted(takenBack.processId(), 0, 9, 1_300)); // the agent never saw it

    assertThat(recover().unfinished()).extracting(JournalEntry::processId, JournalEntry::attempts)
      .containsExactly(tuple(started.processId(), 2), tuple(waiting.processId(), 0),
        tuple(takenBack.processId(), 0));
  }

  @Test
  @DisplayName("recordOutcome takes a message out of the unfinished ones")
  void outcomeFinishesMessage() {
    JournalEntry done = appended(entry("c1", "k1", 1_000));
    JournalEntry open = appended(entry("c1", "k2", 1_000));

    outcome(done, "processed", null, 2_000);

    assertThat(unfinishedIds()).containsExactly(open.processId());
    assertThat(recover().replies()).isEmpty();
  }

  @Test
  @DisplayName("an outcome with a reply is a pending reply until markReply DELIVERED")
  void replyIsPendingUntilDelivered() {
    JournalEntry first = appended(entry("acct-9", "c1", "k1", 1_000));
    JournalEntry second = appended(entry("acct-9", "c2", "k2", 1_000));
    outcome(second, "processed", "answer two", 2_000);
    outcome(first, "failed", "sorry (fallback)", 2_001);

    Recovery recovery = recover();
    assertThat(recovery.unfinished()).isEmpty();
    // In acceptance order of their messages, not in the order the outcomes came.
    assertThat(recovery.replies()).extracting(Recovery.PendingReply::processId, Recovery.PendingReply::account,
        Recovery.PendingReply::contactId, Recovery.PendingReply::reply, Recovery.PendingReply::outcome)
      .containsExactly(
        tuple(first.processId(), "acct-9", "c1", "sorry (fallback)", "failed"),
        tuple(second.processId(), "acct-9", "c2", "answer two", "processed"));
    assertThat(recovery.replies().get(0).sequence()).isLessThan(recovery.replies().get(1).sequence());

    Await.result(journal.markReply(second.processId(), ReplyState.DELIVERED, 3_000));
    assertThat(pendingReplyIds()).containsExactly(first.processId());
  }

  @Test
  @DisplayName("a message's writes sent back to back (one group: start, start taken back, start, outcome, reply mark, a late outcome) end as if written one by one")
  void backToBackWritesOfOneMessage() {
    JournalEntry delivered = appended(entry("c1", "k1", 1_000));
    JournalEntry failedReply = appended(entry("c2", "k2", 1_000));
    JournalEntry stillRunning = appended(entry("c3", "k3", 1_000));
    List<Future<Void>> writes = List.of(
      journal.markStarted(delivered.processId(), 1, 5, 1_100),
      journal.markStarted(delivered.processId(), 0, 5, 1_100),
      journal.markStarted(delivered.processId(), 1, 6, 1_200),
      journal.recordOutcome(new OutcomeRecord(delivered.processId(), "processed", "hi", null, 1_300, false)),
      journal.markReply(delivered.processId(), ReplyState.DELIVERED, 1_400),
      journal.recordOutcome(new OutcomeRecord(delivered.processId(), "failed", "late", null, 1_500, false)),
      journal.markStarted(failedReply.processId(), 2, 7, 1_100),
      journal.recordOutcome(new OutcomeRecord(failedReply.processId(), "processed", "yo", null, 1_300, false)),
      journal.markReply(failedReply.processId(), ReplyState.FAILED, 1_400),
      journal.markStarted(stillRunning.processId(), 3, 8, 1_100));
    Await.result(Future.all(writes));

    Recovery recovery = recover();
    assertThat(recovery.unfinished()).extracting(JournalEntry::processId, JournalEntry::attempts)
      .containsExactly(tuple(stillRunning.processId(), 3));
    assertThat(recovery.replies()).isEmpty();
    assertThat(Await.result(journal.deadLetters(10, 0))).extracting(letter -> letter.getString("processId"))
      .containsExactly(failedReply.processId());
    JsonObject found = Await.result(journal.find(delivered.processId()));
    if (found != null) { // the memory store forgets a finished message once its reply is delivered
      assertThat(found.getString("outcome")).isEqualTo("processed");
      assertThat(found.getString("reply")).isEqualTo("hi");
      assertThat(found.getString("replyState")).isEqualTo("delivered");
      assertThat(found.getInteger("attempts")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("markReply changes only a pending reply: a delivered or failed reply, or a message without one, stays as it is")
  void markReplyOnlyChangesPendingReplies() {
    JournalEntry delivered = appended(entry("c1", "k1", 1_000));
    JournalEntry failed = appended(entry("c2", "k2", 1_000));
    JournalEntry noReply = appended(entry("c3", "k3", 1_000));
    outcome(delivered, "processed", "one", 2_000);
    outcome(failed, "processed", "two", 2_000);
    outcome(noReply, "dropped", null, 2_000);
    Await.result(journal.markReply(delivered.processId(), ReplyState.DELIVERED, 3_000));
    Await.result(journal.markReply(failed.processId(), ReplyState.FAILED, 3_000));

    Await.result(journal.markReply(delivered.processId(), ReplyState.FAILED, 4_000));
    Await.result(journal.markReply(failed.processId(), ReplyState.DELIVERED, 4_000));
    Await.result(journal.markReply(noReply.processId(), ReplyState.FAILED, 4_000));

    assertThat(Await.result(journal.deadLetters(10, 0))).extracting(letter -> letter.getString("processId"))
      .containsExactly(failed.processId());
    assertThat(pendingReplyIds()).isEmpty();
  }

  @Test
  @DisplayName("a second outcome for a finished message is ignored: the first one stands")
  void firstOutcomeStands() {
    JournalEntry entry = appended(entry("c1", "k1", 1_000));
    outcome(entry, "processed", "the real answer", 2_000);
    outcome(entry, "failed", "a fallback", 3_000);

    assertThat(recover().replies()).extracting(Recovery.PendingReply::reply, Recovery.PendingReply::outcome)
      .containsExactly(tuple("the real answer", "processed"));
    assertThat(Await.result(journal.deadLetters(10, 0))).isEmpty();
  }

  @Test
  @DisplayName("an outcome with forgetDedupKey frees the key in the same write: the redelivery is appended")
  void forgetDedupKeyLetsTheKeyBack() {
    JournalEntry dropped = appended(entry("c1", "wamid.D", 1_000));
    JournalEntry kept = appended(entry("c1", "wamid.E", 1_000));
    Await.result(journal.recordOutcome(new OutcomeRecord(dropped.processId(), "dropped", null, "queue full", 1_500,
      true)));
    outcome(kept, "expired", null, 1_500);

    assertThat(append(entry("c1", "wamid.D", 2_000), 0)).isEqualTo(AppendResult.APPENDED);
    assertThat(append(entry("c1", "wamid.E", 2_000), 0)).isEqualTo(AppendResult.DUPLICATE);
  }

  @Test
  @DisplayName("forgetDedupKey frees the key only if the message still holds it: a key taken over by a later message stays a duplicate")
  void forgetDedupKeyLeavesATakenOverKey() {
    JournalEntry old = appended(entry("c1", "wamid.T", 1_000));
    JournalEntry later = entry("c1", "wamid.T", 5_000);
    assertThat(append(later, 1_001)).isEqualTo(AppendResult.APPENDED); // the window passed: later holds the key
    Await.result(journal.recordOutcome(new OutcomeRecord(old.processId(), "dropped", null, "queue full", 5_500,
      true)));

    assertThat(append(entry("c1", "wamid.T", 6_000), 2_000)).as("later's key is still live")
      .isEqualTo(AppendResult.DUPLICATE);
  }

  // Dead letters

  /** a failed, b timed out, c reply failed; d delivered and e expired are no dead letters. Returns [a, b, c]. */
  private List<JournalEntry> threeDeadLetters() {
    JournalEntry a = appended(entry("c1", "ka", 1_000));
    JournalEntry b = appended(entry("c2", "kb", 1_001));
    JournalEntry c = appended(entry("c3", "kc", 1_002));
    JournalEntry d = appended(entry("c4", "kd", 1_003));
    JournalEntry e = appended(entry("c5", "ke", 1_004));
    outcome(a, "failed", null, 2_000);
    outcome(b, "timed_out", null, 2_001);
    outcome(c, "processed", "undeliverable", 2_002);
    Await.result(journal.markReply(c.processId(), ReplyState.FAILED, 2_003));
    outcome(d, "processed", "fine", 2_004);
    Await.result(journal.markReply(d.processId(), ReplyState.DELIVERED, 2_005));
    outcome(e, "expired", null, 2_006);
    return List.of(a, b, c);
  }

  @Test
  @DisplayName("dead letters: failed and timed-out outcomes and failed replies, newest first, paged")
  void deadLettersNewestFirstPaged() {
    List<JournalEntry> dead = threeDeadLetters();
    String a = dead.get(0).processId();
    String b = dead.get(1).processId();
    String c = dead.get(2).processId();

    assertThat(deadLetterIds(10, 0)).containsExactly(c, b, a);
    assertThat(deadLetterIds(2, 0)).containsExactly(c, b);
    assertThat(deadLetterIds(2, 2)).containsExactly(a);
    assertThat(deadLetterIds(2, 3)).isEmpty();

    JsonObject failedReply = Await.result(journal.deadLetters(1, 0)).getFirst();
    assertThat(failedReply.getString("outcome")).isEqualTo("processed");
    assertThat(failedReply.getString("replyState")).isEqualTo("failed");
    assertThat(failedReply.getString("reply")).isEqualTo("undeliverable");
    JsonObject timedOut = Await.result(journal.deadLetters(1, 1)).getFirst();
    assertThat(timedOut.getString("outcome")).isEqualTo("timed_out");
    assertThat(timedOut.getString("error")).isEqualTo("why: timed_out");
    assertThat(timedOut.getJsonObject("message").getString("text")).isEqualTo("hello " + b);
  }

  @Test
  @DisplayName("deleteDeadLetter removes one dead letter; false for an unknown id or a message that is no dead letter")
  void deleteDeadLetter() {
    List<JournalEntry> dead = threeDeadLetters();
    JournalEntry open = appended(entry("c9", "k9", 3_000));

    assertThat(Await.result(journal.deleteDeadLetter(dead.get(1).processId()))).isTrue();
    assertThat(Await.result(journal.deleteDeadLetter(dead.get(1).processId()))).isFalse();
    assertThat(Await.result(journal.deleteDeadLetter("no-such-id"))).isFalse();
    assertThat(Await.result(journal.deleteDeadLetter(open.processId()))).isFalse();

    assertThat(deadLetterIds(10, 0)).containsExactly(dead.get(2).processId(), dead.get(0).processId());
    assertThat(unfinishedIds()).containsExactly(open.processId());
  }

  // Find, export, erase

  @Test
  @DisplayName("find shows a message (entry, outcome, reply) by processId; null for an unknown one")
  void findByProcessId() {
    JournalEntry open = appended(entry("acct-f", "c1", "kf", 1_000));
    JournalEntry failed = appended(entry("acct-f", "c1", "kg", 1_001));
    Await.result(journal.markStarted(failed.processId(), 3, 1, 1_100));
    outcome(failed, "failed", "fallback", 1_200);

    JsonObject found = Await.result(journal.find(open.processId()));
    assertThat(found.getString("processId")).isEqualTo(open.processId());
    assertThat(found.getString("account")).isEqualTo("acct-f");
    assertThat(found.getString("contactId")).isEqualTo("c1");
    assertThat(found.getString("dedupKey")).isEqualTo("kf");
    assertThat(found.getJsonObject("message")).isEqualTo(open.message());
    assertThat(found.getLong("acceptedAt")).isEqualTo(1_000L);
    assertThat(found.getString("outcome")).isNull();
    assertThat(found.getValue("finishedAt")).isNull();

    JsonObject dead = Await.result(journal.find(failed.processId()));
    assertThat(dead.getString("outcome")).isEqualTo("failed");
    assertThat(dead.getString("error")).isEqualTo("why: failed");
    assertThat(dead.getString("reply")).isEqualTo("fallback");
    assertThat(dead.getString("replyState")).isEqualTo("pending");
    assertThat(dead.getInteger("attempts")).isEqualTo(3);
    assertThat(dead.getLong("finishedAt")).isEqualTo(1_200L);

    assertThat(Await.result(journal.find("no-such-id"))).isNull();
  }

  @Test
  @DisplayName("export lists one conversation's messages and keys; erase removes exactly those and says how many")
  void exportAndEraseOneConversation() {
    JournalEntry m1 = appended(entry("acct-A", "X", "k1", 1_000));
    JournalEntry m2 = appended(entry("acct-A", "X", "k2", 1_001));
    outcome(m2, "failed", null, 1_500); // a dead letter of that conversation
    JournalEntry m3 = appended(entry("acct-A", "Y", "k3", 1_002));
    JournalEntry m4 = appended(entry("acct-B", "X", "k1", 1_003));

    JsonObject export = Await.result(journal.exportContact("acct-A", "X"));
    assertThat(export.getString("account")).isEqualTo("acct-A");
    assertThat(export.getString("contactId")).isEqualTo("X");
    assertThat(export.getJsonArray("messages").stream().map(json -> ((JsonObject) json).getString("processId")))
      .containsExactly(m1.processId(), m2.processId());
    assertThat(export.getJsonArray("keys")).isEqualTo(new JsonArray().add("k1").add("k2"));

    JsonObject erased = Await.result(journal.eraseContact("acct-A", "X"));
    assertThat(erased.getInteger("messages")).isEqualTo(2);
    assertThat(erased.getInteger("keys")).isEqualTo(2);

    JsonObject after = Await.result(journal.exportContact("acct-A", "X"));
    assertThat(after.getJsonArray("messages")).isEmpty();
    assertThat(after.getJsonArray("keys")).isEmpty();
    assertThat(unfinishedIds()).containsExactly(m3.processId(), m4.processId());
    assertThat(deadLetterIds(10, 0)).isEmpty();
    // Its keys are gone, the others' stay.
    assertThat(append(entry("acct-A", "X", "k1", 2_000), 0)).isEqualTo(AppendResult.APPENDED);
    assertThat(append(entry("acct-A", "Y", "k3", 2_000), 0)).isEqualTo(AppendResult.DUPLICATE);
    assertThat(append(entry("acct-B", "X", "k1", 2_000), 0)).isEqualTo(AppendResult.DUPLICATE);
  }

  // Purge

  @Test
  @DisplayName("purge removes finished rows older than the cutoff and old keys; never unfinished or pending ones")
  void purgeRemovesOnlyFinishedOldRows() {
    JournalEntry unfinished = appended(entry("c1", "old-key", 10));
    JournalEntry pending = appended(entry("c2", "k-pending", 5_000));
    JournalEntry oldDead = appended(entry("c3", "k-old-dead", 5_000));
    JournalEntry newDead = appended(entry("c4", "k-new-dead", 5_000));
    outcome(pending, "processed", "not delivered yet", 20);
    outcome(oldDead, "failed", null, 30);
    outcome(newDead, "failed", null, 5_000);

    int purged = Await.result(journal.purge(1_000, 100));

    assertThat(purged).isPositive();
    assertThat(unfinishedIds()).containsExactly(unfinished.processId());
    assertThat(pendingReplyIds()).containsExactly(pending.processId());
    assertThat(deadLetterIds(10, 0)).containsExactly(newDead.processId());
    // The key taken at 10 is gone (a window starting at 0 would otherwise still hold it); the ones taken at 5,000 stay.
    assertThat(append(entry("c1", "old-key", 6_000), 0)).isEqualTo(AppendResult.APPENDED);
    assertThat(append(entry("c2", "k-pending", 6_000), 0)).isEqualTo(AppendResult.DUPLICATE);
  }

  // Concurrency, grouping and contexts

  /** {@code count} distinct Vert.x event-loop contexts (one small verticle each). */
  protected List<Context> contexts(int count) {
    List<Context> contexts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ContextHolder holder = new ContextHolder();
      Await.result(vertx.deployVerticle(holder));
      contexts.add(holder.context());
    }
    assertThat(contexts).doesNotHaveDuplicates();
    return contexts;
  }

  private static final class ContextHolder extends VerticleBase {
    Context context() {
      return context;
    }
  }

  @Test
  @DisplayName("1,000 concurrent appends from 4 contexts all complete in call order per context and are all recovered")
  void concurrentAppendsAreGrouped() {
    List<Context> contexts = contexts(4);
    long commitsBefore = commits(journal);
    int perContext = 250;
    Promise<Void> done = Promise.promise();
    AtomicInteger completed = new AtomicInteger();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    ConcurrentHashMap<Integer, List<Integer>> completionOrder = new ConcurrentHashMap<>();
    for (int c = 0; c < contexts.size(); c++) {
      int contextIndex = c;
      Context context = contexts.get(c);
      List<Integer> order = Collections.synchronizedList(new ArrayList<>());
      completionOrder.put(c, order);
      context.runOnContext(ignored -> {
        for (int i = 0; i < perContext; i++) {
          int call = i;
          journal.append(entry("contact-" + (call % 50), "ctx" + contextIndex + "-" + call, 1_000 + call), 0)
            .onComplete(result -> {
              if (result.failed() || result.result() != AppendResult.APPENDED) {
                problems.add("append " + contextIndex + "/" + call + ": " + result);
              }
              if (Vertx.currentContext() != context) {
                problems.add("append " + contextIndex + "/" + call + " completed on " + Vertx.currentContext());
              }
              order.add(call);
              if (completed.incrementAndGet() == contexts.size() * perContext) {
                done.complete();
              }
            });
        }
      });
    }
    Await.result(done.future(), 30);

    assertThat(problems).isEmpty();
    completionOrder.values().forEach(order -> assertThat(order).hasSize(perContext).isSorted());
    List<JournalEntry> recovered = recover().unfinished();
    assertThat(recovered).hasSize(contexts.size() * perContext);
    assertThat(recovered).extracting(JournalEntry::processId).doesNotHaveDuplicates();
    long commits = commits(journal);
    if (commits >= 0) {
      // Grouped: far fewer transactions (syncs) than appends.
      assertThat(commits - commitsBefore).isPositive().isLessThan(contexts.size() * perContext / 4);
    }
  }

  @Test
  @DisplayName("every future completes on the Vert.x context that called (a lifecycle write's success may complete"
    + " on the journal's thread: its callers only listen for failures)")
  void futuresCompleteOnTheCallersContext() {
    Context caller = contexts(1).getFirst();
    JournalEntry a = appended(entry("c1", "k1", 1_000));
    JournalEntry b = appended(entry("c1", "k2", 1_000));
    JournalEntry c = appended(entry("c2", "k3", 1_000));
    List<Supplier<Future<?>>> calls = List.of(
      () -> journal.append(entry("c1", "k4", 1_000), 0),
      () -> journal.append(entry("c1", "k1", 1_000), 0), // a duplicate
      () -> journal.markStarted(a.processId(), 1, 1, 1_100),
      () -> journal.recordOutcome(new OutcomeRecord(a.processId(), "processed", "r", null, 1_200, false)),
      () -> journal.markReply(a.processId(), ReplyState.DELIVERED, 1_300),
      () -> journal.recordOutcome(new OutcomeRecord(b.processId(), "failed", null, "e", 1_200, false)),
      () -> journal.recover(),
      () -> journal.deadLetters(10, 0),
      () -> journal.find(c.processId()),
      () -> journal.deleteDeadLetter(b.processId()),
      () -> journal.exportContact(ACCOUNT, "c2"),
      () -> journal.eraseContact(ACCOUNT, "c2"),
      () -> journal.purge(0, 10),
      () -> journal.health());
    for (int i = 0; i < calls.size(); i++) {
      int index = i;
      Promise<Context> completedOn = Promise.promise();
      caller.runOnContext(ignored -> calls.get(index).get().onComplete(result -> {
        if (result.failed()) {
          completedOn.fail(result.cause());
        } else {
          completedOn.complete(Vertx.currentContext());
        }
      }));
      Context completed = Await.result(completedOn.future());
      if (index < 2 || index > 5) {
        assertThat(completed).as("call #%d", index).isSameAs(caller);
      }
    }
  }

  // Durability (not for the memory store)

  @Test
  @DisplayName("durable: after close and reopen, unfinished messages, attempts, pending replies and keys are all there")
  void survivesCloseAndReopen() {
    assumeTrue(journal.durable(), "the memory journal is not durable");
    JournalEntry started = appended(entry("c1", "k1", 1_000));
    JournalEntry waiting = appended(entry("c2", "k2", 1_001));
    JournalEntry replied = appended(entry("c1", "k3", 1_002));
    Await.result(journal.markStarted(started.processId(), 2, 5, 1_100));
    outcome(replied, "processed", "answer", 1_200);

    Await.result(journal.close());
    journal = null;
    journal = Await.result(reopen(vertx, folder));

    Recovery recovery = recover();
    assertThat(recovery.unfinished()).extracting(JournalEntry::processId, JournalEntry::attempts)
      .containsExactly(tuple(started.processId(), 2),
        tuple(waiting.processId(), 0));
    assertThat(recovery.unfinished().get(1).message()).isEqualTo(waiting.message());
    assertThat(recovery.replies()).extracting(Recovery.PendingReply::processId, Recovery.PendingReply::reply)
      .containsExactly(tuple(replied.processId(), "answer"));
    assertThat(append(entry("c1", "k1", 2_000), 0)).isEqualTo(AppendResult.DUPLICATE);
    long lastSequence = recovery.replies().getFirst().sequence();
    appended(entry("c3", "k9", 2_000));
    assertThat(recover().unfinished().getLast().sequence()).isGreaterThan(lastSequence);
  }

  // Human handoff (V3): paused conversations

  @Test
  @DisplayName("a pause is recovered with its expiry, who and why; a second pause of the conversation replaces it; a"
    + " resume removes it; other conversations (another account too) keep theirs")
  void pausesAreRecoveredReplacedAndResumed() {
    Await.result(journal.pause(new ContactPause(ACCOUNT, "c1", 1_000, 61_000, "operator", "a human takes over")));
    Await.result(journal.pause(new ContactPause("shop", "c1", 1_000, 5_000, "business", null)));
    Await.result(journal.pause(new ContactPause(ACCOUNT, "c2", 1_100, 9_000, "agent", "asked for a human")));
    assertThat(recover().pauses()).containsExactlyInAnyOrder(
      new ContactPause(ACCOUNT, "c1", 1_000, 61_000, "operator", "a human takes over"),
      new ContactPause("shop", "c1", 1_000, 5_000, "business", null),
      new ContactPause(ACCOUNT, "c2", 1_100, 9_000, "agent", "asked for a human"));

    Await.result(journal.pause(new ContactPause(ACCOUNT, "c1", 2_000, 90_000, "business", "again")));
    Await.result(journal.resume(ACCOUNT, "c2"));
    Await.result(journal.resume(ACCOUNT, "never-paused"));
    assertThat(recover().pauses()).containsExactlyInAnyOrder(
      new ContactPause(ACCOUNT, "c1", 2_000, 90_000, "business", "again"),
      new ContactPause("shop", "c1", 1_000, 5_000, "business", null));
  }

  @Test
  @DisplayName("pauses leave messages alone: a paused conversation's unfinished messages are recovered as before")
  void pausesDoNotFinishMessages() {
    JournalEntry held = appended(entry("c1", "k1", 1_000));
    Await.result(journal.pause(new ContactPause(ACCOUNT, "c1", 1_000, 61_000, "operator", null)));
    assertThat(unfinishedIds()).containsExactly(held.processId());
    Await.result(journal.resume(ACCOUNT, "c1"));
    assertThat(unfinishedIds()).containsExactly(held.processId());
    assertThat(recover().pauses()).isEmpty();
  }

  @Test
  @DisplayName("durable: a pause survives close and reopen with its epoch-ms expiry; a resumed one stays resumed")
  void pausesSurviveCloseAndReopen() {
    assumeTrue(journal.durable(), "the memory journal is not durable");
    Await.result(journal.pause(new ContactPause(ACCOUNT, "c1", 1_000, 43_201_000, "operator", "vacation")));
    Await.result(journal.pause(new ContactPause(ACCOUNT, "c2", 1_000, 43_201_000, "agent", null)));
    Await.result(journal.resume(ACCOUNT, "c2"));

    Await.result(journal.close());
    journal = null;
    journal = Await.result(reopen(vertx, folder));

    assertThat(recover().pauses())
      .containsExactly(new ContactPause(ACCOUNT, "c1", 1_000, 43_201_000, "operator", "vacation"));
  }
}
