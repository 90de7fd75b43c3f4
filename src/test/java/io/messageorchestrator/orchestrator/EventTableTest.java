package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * H18: the payloads the shard publishes ({@link OrchestratorEvents}) have exactly the fields the README's Events
 * table lists for them (a field marked {@code ?} may be absent). Every shard event is produced by driving a
 * {@link PlainShard} through the situations that publish it.
 */
class EventTableTest {
  private static final Pattern ROW = Pattern.compile("^\\| `(\\w+)` \\| `([^`]*)`", Pattern.MULTILINE);

  @Test
  @DisplayName("every event a shard publishes carries the fields the README's Events table documents, no more, no less")
  void payloadsMatchTheReadme() throws Exception {
    Map<String, String> documented = readmeEventTable();
    Map<String, JsonObject> published = new HashMap<>();

    PlainShard shard = new PlainShard(new JsonObject().put("processingTimeout", 5_000).put("maxQueueSize", 1)
      .put("queueOverflow", "dropOldest").put("maxContacts", 3).put("idleContactTtl", 60_000));
    shard.send("a", InboundMessage.text("one", "m-1"));   // messageReceived, lockAcquired
    shard.send("a", InboundMessage.text("two", "m-2"));   // messageQueued
    shard.send("a", InboundMessage.text("three", "m-3")); // messageDropped (two, by dropOldest)
    shard.send("a", InboundMessage.text("one", "m-1"));   // duplicateIgnored
    shard.reply("a", "re:one");                            // messageProcessed, lockReleased; three starts
    shard.reply(shard.callOf("a"), AgentOutcome.error("agent exploded")); // processingError, messageDeadLettered
    shard.send("a", "four");
    Lease slow = shard.callOf("a");
    shard.advance(5_000);                                  // processingTimeout
    shard.reply(slow, AgentOutcome.reply("too late", null)); // lateResultDiscarded
    shard.send("b", "hang");
    shard.send("c", "hang");
    shard.send("d", "hang");                               // maxContacts: the idle a is forgotten to make room
    shard.send("e", "hang");                               // messageRejected (overloaded: none idle)
    shard.machine.operations().evictIdleContacts();                     // contactsEvicted
    shard.monotonicMillis.addAndGet(5_000 + ContactStateMachine.STALE_LEASE_GRACE_MS + 1);
    shard.machine.operations().detectAndResolveDeadlocks();             // deadlocksResolved (b, c, d: their timers never ran)
    shard.send("b", "hang");
    shard.machine.discardEverything();                     // messageDiscarded
    shard.events.forEach(event -> published.putIfAbsent(event.getKey(), event.getValue()));
    PlainShard expiring = new PlainShard(new JsonObject().put("maxMessageAge", 1_000)
      .put("retry", new JsonObject().put("maxAttempts", 2).put("initialBackoff", 1).put("maxBackoff", 1)));
    expiring.send("r", "fails once");
    expiring.reply(expiring.callOf("r"), AgentOutcome.error("agent exploded")); // attemptFailed
    expiring.send("f", "hang");
    expiring.send("f", "waits too long");
    expiring.monotonicMillis.addAndGet(1_001);
    expiring.reply("f", "done");                           // messageExpired
    expiring.events.forEach(event -> published.putIfAbsent(event.getKey(), event.getValue()));
    PlainShard handoff = new PlainShard(new JsonObject());
    ContactLane paused = handoff.machine.contacts().getOrCreate("default", "h", handoff.monotonicMillis.get());
    handoff.machine.pauses().pause(paused, 60_000, "operator", "a human takes over"); // contactPaused
    handoff.send("h", "held");                                                         // messageHeld
    handoff.machine.pauses().resume(paused, "operator", "back to the bot");           // contactResumed
    handoff.events.forEach(event -> published.putIfAbsent(event.getKey(), event.getValue()));
    PlainShard bursts = new PlainShard(new JsonObject().put("coalesce", new JsonObject().put("quietWindow", 1_000))
      .put("midTurn", new JsonObject().put("policy", "interrupt")));
    bursts.send("k", "hi");                                 // messageCoalescing
    bursts.advance(1_000);                                  // burstFlushed
    bursts.send("k", "and more");                           // turnInterrupted
    bursts.events.forEach(event -> published.putIfAbsent(event.getKey(), event.getValue()));

    Set<String> shardEvents = new HashSet<>(Events.ALL);
    // Published elsewhere (the suite, shard health, the agent circuit: its payloads are checked by AgentCircuitTest).
    shardEvents.removeAll(Set.of(Events.CLEANUP_COMPLETE, Events.SHARD_UNRESPONSIVE, Events.SHARD_RESPONSIVE,
      Events.JOURNAL_RECOVERED, Events.AGENT_CIRCUIT_OPENED, Events.AGENT_CIRCUIT_CLOSED));
    assertThat(published.keySet()).as("events published in this scenario").containsAll(shardEvents);
    assertThat(documented.keySet()).as("events in the README table").containsAll(Events.ALL);
    published.forEach((event, payload) -> {
      Set<String> fields = new HashSet<>();
      Set<String> optional = new HashSet<>();
      for (String field : documented.get(event).split(",")) {
        String name = field.replaceAll("\\(.*\\)", "").trim();
        if (name.endsWith("?")) {
          optional.add(name.substring(0, name.length() - 1));
        } else {
          fields.add(name);
        }
      }
      assertThat(payload.fieldNames()).as("fields of %s", event).containsAll(fields);
      Set<String> extra = new HashSet<>(payload.fieldNames());
      extra.removeAll(fields);
      extra.removeAll(optional);
      assertThat(extra).as("undocumented fields of %s", event).isEmpty();
    });
  }

  /** Event name → the first code span of its row (its fields) in the README's Events table. */
  private static Map<String, String> readmeEventTable() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("| event | fields |");
    assertThat(start).as("the README's Events table").isPositive();
    String table = readme.substring(start, readme.indexOf("\n\n", start));
    Map<String, String> rows = new HashMap<>();
    Matcher row = ROW.matcher(table);
    while (row.find()) {
      rows.put(row.group(1), row.group(2));
    }
    return rows;
  }
}
