package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.messageorchestrator.orchestrator.CoalescingTest.calls;
import static io.messageorchestrator.orchestrator.CoalescingTest.texts;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * V2 — what happens to a contact's messages that arrive while its agent call runs ({@code midTurn.policy}), on one
 * shard's plain core: exactly which agent calls happen (their message lists) and which replies are delivered
 * ({@code messageProcessed}: the reply the outbound side sends).
 */
class MidTurnTest {
  private static PlainShard shard(String policy, JsonObject more) {
    return new PlainShard(new JsonObject().put("lockTimeout", 0)
      .put("midTurn", new JsonObject().put("policy", policy)).mergeIn(more, true));
  }

  private static List<String> replies(PlainShard shard) {
    return shard.events(Events.MESSAGE_PROCESSED).stream().map(event -> event.getString("response")).toList();
  }

  @Test
  @DisplayName("queue (the default): each message waits its turn and gets its own call and its own reply")
  void queueAnswersEachInTurn() {
    PlainShard shard = shard("queue", new JsonObject());
    shard.send("c1", "a");
    shard.send("c1", "b");
    shard.send("c1", "c");
    shard.reply("c1", "ra");
    shard.reply("c1", "rb");
    shard.reply("c1", "rc");

    assertThat(calls(shard)).containsExactly(List.of("a"), List.of("b"), List.of("c"));
    assertThat(replies(shard)).containsExactly("ra", "rb", "rc");
  }

  @Test
  @DisplayName("merge: the messages that arrived during the call go to the agent together when its turn comes (one"
    + " call, one reply), at most coalesce.maxMessages per call")
  void mergeGivesTheWaitingMessagesOneCall() {
    PlainShard shard = shard("merge", new JsonObject().put("maxQueueSize", 10)
      .put("coalesce", new JsonObject().put("maxMessages", 3)));
    shard.send("c1", "a");
    for (String text : List.of("b", "c", "d", "e")) {
      shard.send("c1", text);
    }
    shard.reply("c1", "ra");
    shard.reply("c1", "rbcd");
    shard.reply("c1", "re");

    assertThat(calls(shard)).containsExactly(List.of("a"), List.of("b", "c", "d"), List.of("e"));
    assertThat(replies(shard)).containsExactly("ra", "rbcd", "re");
    assertThat(shard.events(Events.MESSAGE_PROCESSED).get(1).getJsonArray("members")).hasSize(3);
    assertThat(shard.metrics.count(Outcome.PROCESSED)).isEqualTo(3);
    assertThat(shard.metrics.count(Outcome.COALESCED_INTO)).isEqualTo(2);
  }

  @Test
  @DisplayName("interrupt: a new message cancels the running call (fenced: its late reply is discarded, never sent)"
    + " and restarts it at once with the old and new messages; after midTurn.maxRestarts the call runs to its end and"
    + " later messages wait for the next turn")
  void interruptRestartsWithEverything() {
    PlainShard shard = shard("interrupt", new JsonObject().put("midTurn", new JsonObject().put("maxRestarts", 2)));
    shard.send("c1", "a");
    Lease first = shard.callOf("c1");
    shard.send("c1", "b");
    Lease second = shard.callOf("c1");
    shard.send("c1", "c");
    Lease third = shard.callOf("c1");
    shard.send("c1", "d"); // two restarts used up: d waits

    assertThat(calls(shard)).containsExactly(List.of("a"), List.of("a", "b"), List.of("a", "b", "c"));
    assertThat(shard.cancelled).containsExactly("n-0-1", "n-0-1"); // the call keeps its first message's processId
    assertThat(shard.events(Events.TURN_INTERRUPTED)).extracting(event -> event.getInteger("restarts"))
      .containsExactly(1, 2);

    shard.reply(first, AgentOutcome.reply("stale answer to a", null)); // an agent that ignored the interrupt
    shard.reply(second, AgentOutcome.reply("stale answer to a+b", null));
    assertThat(shard.events(Events.LATE_RESULT_DISCARDED)).hasSize(2);
    assertThat(replies(shard)).isEmpty();

    shard.reply(third, AgentOutcome.reply("answer to a+b+c", null));
    assertThat(texts(shard.callOf("c1"))).containsExactly("d");
    shard.reply("c1", "answer to d");

    assertThat(replies(shard)).containsExactly("answer to a+b+c", "answer to d");
    assertThat(shard.events(Events.MESSAGE_PROCESSED).getFirst().getInteger("attempts"))
      .as("restarts do not use up attempts").isEqualTo(1);
  }

  @Test
  @DisplayName("interrupt: restarts do not use up retry attempts — after two restarts a failure is still retried")
  void restartsDoNotConsumeRetryAttempts() {
    PlainShard shard = shard("interrupt", new JsonObject().put("retry", new JsonObject().put("maxAttempts", 2)));
    shard.send("c1", "a");
    shard.send("c1", "b");
    shard.send("c1", "c");
    assertThat(shard.callOf("c1").pending.attempts).isEqualTo(1);

    shard.reply(shard.callOf("c1"), AgentOutcome.error("agent hiccup"));
    assertThat(shard.events(Events.ATTEMPT_FAILED)).hasSize(1);
    assertThat(shard.events(Events.MESSAGE_DEAD_LETTERED)).isEmpty();

    shard.advance(60_000); // the retry's backoff
    assertThat(calls(shard)).last().isEqualTo(List.of("a", "b", "c"));
    assertThat(shard.callOf("c1").pending.attempts).isEqualTo(2);
    shard.reply("c1", "finally");
    assertThat(replies(shard)).containsExactly("finally");
  }

  @Test
  @DisplayName("interrupt with coalescing: the running call is cancelled when the user types again, and restarted"
    + " with the old and new messages after the quiet window")
  void interruptWaitsForTheQuietWindow() {
    PlainShard shard = shard("interrupt", new JsonObject().put("coalesce", new JsonObject().put("quietWindow", 1_000)));
    shard.send("c1", "a");
    shard.advance(1_000);
    assertThat(calls(shard)).containsExactly(List.of("a"));

    shard.send("c1", "b");
    assertThat(shard.cancelled).containsExactly("n-0-1");
    shard.advance(500);
    shard.send("c1", "c");
    shard.advance(999);
    assertThat(calls(shard)).hasSize(1);
    shard.advance(1);
    assertThat(calls(shard)).containsExactly(List.of("a"), List.of("a", "b", "c"));
    shard.reply("c1", "one answer");
    assertThat(replies(shard)).containsExactly("one answer");
    assertThat(shard.metrics.count(Outcome.COALESCED_INTO)).isEqualTo(2);
  }

  @Test
  @DisplayName("queue with coalescing: a burst typed during the call is the next call, answered after the first")
  void queueWithCoalescing() {
    PlainShard shard = shard("queue", new JsonObject().put("coalesce", new JsonObject().put("quietWindow", 1_000)));
    shard.send("c1", "a1");
    shard.send("c1", "a2");
    shard.advance(1_000);
    shard.send("c1", "b1");
    shard.send("c1", "b2");
    shard.advance(1_000);
    assertThat(calls(shard)).containsExactly(List.of("a1", "a2"));
    shard.reply("c1", "ra");
    shard.reply("c1", "rb");
    assertThat(calls(shard)).containsExactly(List.of("a1", "a2"), List.of("b1", "b2"));
    assertThat(replies(shard)).containsExactly("ra", "rb");
  }
}
