package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.HistoryEntry;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.journal.HistoryTurn;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V4 — conversation history on one shard's plain core ({@link PlainShard}: hand-moved clocks, hand-run timers): what
 * each agent call is given as {@code history}.
 */
class HistoryTest {
  private static PlainShard shard(JsonObject overrides) {
    return new PlainShard(new JsonObject().put("lockTimeout", 0).mergeIn(overrides, true));
  }

  private static List<String> described(List<HistoryEntry> history) {
    return history.stream().map(entry -> entry.role() + ":" + entry.text()).toList();
  }

  /** The history the shard gave its last agent call. */
  private static List<HistoryEntry> lastCallHistory(PlainShard shard) {
    Future<List<HistoryEntry>> history = shard.histories.getLast();
    assertThat(history.isComplete()).as("history ready when the call starts").isTrue();
    return history.result();
  }

  @Test
  @DisplayName("a call is given the conversation's earlier messages and replies, oldest first, with roles and times,"
    + " and not its own message")
  void orderRolesAndTimes() {
    PlainShard shard = shard(new JsonObject());
    long start = shard.wallMillis.get();
    shard.send("c1", "hi");
    assertThat(lastCallHistory(shard)).isEmpty();
    shard.advance(1_000);
    shard.reply("c1", "hello! how can I help?");
    shard.send("c1", "the premium plan");
    shard.advance(1_000);
    shard.reply("c1", "for how many users?");
    shard.send("c1", "3 users");

    List<HistoryEntry> history = lastCallHistory(shard);
    assertThat(described(history)).containsExactly("user:hi", "assistant:hello! how can I help?",
      "user:the premium plan", "assistant:for how many users?");
    assertThat(history.get(0).time()).isEqualTo(start);
    assertThat(history.get(1).time()).isEqualTo(start + 1_000);
    assertThat(history.get(3).time()).isEqualTo(start + 2_000);
  }

  @Test
  @DisplayName("a coalesced call is given what came before its first message; when it ends each of its messages"
    + " enters in the order sent, then its one reply")
  void coalescedCallHistory() {
    PlainShard shard = shard(new JsonObject().put("coalesce", new JsonObject().put("quietWindow", 3_000)));
    shard.send("c1", "hello");
    shard.advance(3_000);
    shard.reply("c1", "hi! how can I help?");
    shard.send("c1", "I want the premium plan");
    shard.advance(1_000);
    shard.send("c1", "for 3 users?");
    shard.advance(3_000);

    assertThat(shard.agentCalls).hasSize(2);
    assertThat(Coalescing.messagesOf(shard.callOf("c1").pending)).hasSize(2);
    assertThat(described(lastCallHistory(shard))).containsExactly("user:hello", "assistant:hi! how can I help?");
    shard.reply("c1", "30/month");
    assertThat(described(shard.machine.history().current("default", "c1"))).containsExactly("user:hello",
      "assistant:hi! how can I help?", "user:I want the premium plan", "user:for 3 users?", "assistant:30/month");
  }

  @Test
  @DisplayName("a message that waited behind a running call is given the call's message and reply, not itself nor"
    + " the messages behind it")
  void queuedMessagesSeeWhatCameBefore() {
    PlainShard shard = shard(new JsonObject());
    shard.send("c1", "one");
    shard.send("c1", "two");
    shard.send("c1", "three");
    shard.reply("c1", "re:one");

    assertThat(described(lastCallHistory(shard))).containsExactly("user:one", "assistant:re:one");
    shard.reply("c1", "re:two");
    assertThat(described(lastCallHistory(shard))).containsExactly("user:one", "assistant:re:one", "user:two",
      "assistant:re:two");
  }

  @Test
  @DisplayName("at most agent.historySize entries: the newest; a failed message's fallback reply counts as a reply")
  void limitedToHistorySize() {
    PlainShard shard = shard(new JsonObject().put("agent", new JsonObject().put("historySize", 3)));
    shard.send("c1", "one");
    shard.reply("c1", "re:one");
    shard.send("c1", "two");
    shard.reply(shard.callOf("c1"), AgentOutcome.error("agent exploded"));
    shard.send("c1", "three");

    assertThat(described(lastCallHistory(shard))).containsExactly("assistant:re:one", "user:two",
      "assistant:" + shard.config.fallbackResponse());
  }

  @Test
  @DisplayName("agent.historySize 0: no history given and nothing kept")
  void historyOff() {
    PlainShard shard = shard(new JsonObject().put("agent", new JsonObject().put("historySize", 0)));
    shard.send("c1", "one");
    shard.reply("c1", "re:one");
    shard.send("c1", "two");

    assertThat(lastCallHistory(shard)).isEmpty();
    assertThat(shard.machine.history().conversations()).isZero();
  }

  @Test
  @DisplayName("each conversation (account, contact) has its own history")
  void perConversation() {
    PlainShard shard = shard(new JsonObject());
    shard.send("c1", "default number");
    shard.reply("c1", "re:default");
    shard.send("c2", "other contact");
    assertThat(lastCallHistory(shard)).isEmpty();
    shard.intake.accept(new ProcessRequest("shop", "c1", InboundMessage.text("other number"), false, null, null),
      result -> { });

    assertThat(lastCallHistory(shard)).isEmpty();
    assertThat(described(shard.machine.history().current("default", "c1"))).containsExactly("user:default number",
      "assistant:re:default");
  }

  @Test
  @DisplayName("a message without text enters as its type; entries older than the journal's retention are not given")
  void mediaAndRetention() {
    PlainShard shard = shard(new JsonObject().put("dedupWindow", 60_000)
      .put("journal", new JsonObject().put("retention", 3_600_000)));
    shard.send("c1", new InboundMessage("", "m-1", "image", 0, null));
    shard.reply("c1", "nice picture");
    shard.advance(3_000_000);
    shard.send("c1", "later");
    assertThat(described(lastCallHistory(shard))).containsExactly("user:[image]", "assistant:nice picture");
    shard.reply("c1", "re:later");

    shard.advance(1_000_000); // the first exchange is now older than the retention (1 h)
    shard.send("c1", "much later");
    assertThat(described(lastCallHistory(shard))).containsExactly("user:later", "assistant:re:later");
  }

  @Test
  @DisplayName("a text longer than 4,096 characters is cut in the history; the least recently used conversation is"
    + " forgotten beyond the shard's share of 10,000")
  void bounds() {
    PlainShard shard = shard(new JsonObject().put("shards", 4));
    shard.send("c1", "x".repeat(10_000));
    shard.reply("c1", "ok");
    shard.send("c1", "next");
    assertThat(lastCallHistory(shard).getFirst().text()).hasSize(ConversationHistory.MAX_TEXT).endsWith("…");

    int share = ConversationHistory.MAX_CONVERSATIONS_PER_NODE / 4;
    for (int i = 0; i < share; i++) {
      shard.machine.history().restore(List.of(new HistoryTurn("default", "other-" + i, "p-" + i,
        new HistoryEntry("user", "hi", shard.wallMillis.get()))));
    }
    assertThat(shard.machine.history().conversations()).isEqualTo(share);
    assertThat(shard.machine.history().current("default", "c1")).isEmpty();
  }

  @Test
  @DisplayName("erasing a conversation's data clears its history")
  void eraseClears() {
    PlainShard shard = shard(new JsonObject());
    shard.send("c1", "my address is ...");
    shard.reply("c1", "noted");

    assertThat(shard.machine.history().erase("default", "c1")).isEqualTo(2);
    shard.send("c1", "hello again");
    assertThat(lastCallHistory(shard)).isEmpty();
  }

  @Test
  @DisplayName("restored at start (SQLite): recovered messages' calls get the journal's history")
  void restoredAtStart() {
    PlainShard shard = shard(new JsonObject());
    long earlier = shard.wallMillis.get() - 60_000;
    shard.machine.history().restore(List.of(
      new HistoryTurn("default", "c1", "p-1", new HistoryEntry("user", "before the restart", earlier)),
      new HistoryTurn("default", "c1", "p-1", new HistoryEntry("assistant", "answered", earlier + 1))));
    shard.send("c1", "after");

    assertThat(described(lastCallHistory(shard))).containsExactly("user:before the restart", "assistant:answered");
  }

  // ------------------------------------------------------------------ on-demand journals (PostgreSQL)

  /** A shard whose history loader is the test's: each read waits until the test answers it. */
  private static final class Loading {
    final List<Promise<List<HistoryTurn>>> reads = new ArrayList<>();
    final PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0));
    final ConversationHistory history;

    Loading() {
      // A history of its own wired to this loader, on the same clocks and hand-run timers as the shard.
      history = new ConversationHistory(10, 100, 0, timeOf(shard), shard,
        (account, contactId, limit, since) -> {
          Promise<List<HistoryTurn>> read = Promise.promise();
          reads.add(read);
          return read.future();
        }, shard.metrics);
    }

    private static TimeSource timeOf(PlainShard shard) {
      return new TimeSource() {
        @Override
        public long monotonicMillis() {
          return shard.monotonicMillis.get();
        }

        @Override
        public long timerNanos() {
          return shard.monotonicMillis.get() * 1_000_000;
        }

        @Override
        public long wallMillis() {
          return shard.wallMillis.get();
        }
      };
    }
  }

  private static HistoryTurn turn(String processId, String role, String text) {
    return new HistoryTurn("default", "c1", processId, new HistoryEntry(role, text, 5L));
  }

  @Test
  @DisplayName("PostgreSQL: a conversation's first call waits for its history to be read, merged with what was"
    + " recorded since (nothing twice); later calls read nothing")
  void readOnFirstCall() {
    Loading loading = new Loading();
    Future<List<HistoryEntry>> first = loading.history.forCall("default", "c1");
    assertThat(first.isComplete()).isFalse();
    assertThat(loading.reads).hasSize(1);

    loading.reads.getFirst().complete(List.of(turn("p-1", "user", "old"), turn("p-1", "assistant", "re:old")));
    assertThat(described(first.result())).containsExactly("user:old", "assistant:re:old");

    assertThat(loading.history.forCall("default", "c1").isComplete()).isTrue();
    assertThat(loading.reads).hasSize(1);
  }

  @Test
  @DisplayName("PostgreSQL: a read that fails or takes longer than the timeout lets the call go on with the history"
    + " in memory, counted")
  void readFailureOrTimeout() {
    Loading loading = new Loading();
    Future<List<HistoryEntry>> slow = loading.history.forCall("default", "c1");
    loading.shard.advance(ConversationHistory.LOAD_TIMEOUT_MS);
    assertThat(slow.result()).isEmpty();
    assertThat(loading.history.loadFailures()).isEqualTo(1);
    assertThat(loading.shard.metrics.registry().get("orchestrator.history.load.failures").counter().count())
      .isEqualTo(1);
    loading.reads.getFirst().complete(List.of(turn("p-1", "user", "old"))); // late: kept for the next call
    assertThat(described(loading.history.forCall("default", "c1").result())).containsExactly("user:old");

    Future<List<HistoryEntry>> failing = loading.history.forCall("default", "c2");
    loading.reads.getLast().fail(new IllegalStateException("database down"));
    assertThat(failing.result()).isEmpty();
    assertThat(loading.history.loadFailures()).isEqualTo(2);
  }

  @Test
  @DisplayName("PostgreSQL: a read that ends after the conversation was erased does not bring its history back")
  void eraseDuringRead() {
    Loading loading = new Loading();
    Future<List<HistoryEntry>> call = loading.history.forCall("default", "c1");
    loading.history.erase("default", "c1");
    loading.reads.getFirst().complete(List.of(turn("p-1", "user", "erased")));

    assertThat(call.result()).isEmpty();
    assertThat(loading.history.current("default", "c1")).isEmpty();
  }
}
