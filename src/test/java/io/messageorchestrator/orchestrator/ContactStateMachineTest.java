package io.messageorchestrator.orchestrator;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The shard's state machine driven by hand: no Vert.x, time moves only when the test says so. */
class ContactStateMachineTest {

  @Test
  @DisplayName("one lease per contact, FIFO: the next message starts when the current one's result arrives")
  void oneLeaseFifo() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 1_000));
    AtomicReference<ProcessResult> first = shard.send("c", "one");
    AtomicReference<ProcessResult> second = shard.send("c", "two");
    assertThat(shard.agentCalls).hasSize(1);
    assertThat(shard.events(Events.MESSAGE_QUEUED).get(0).getInteger("queuePosition")).isEqualTo(1);

    shard.advance(1_000); // lockTimeout: the second caller stops waiting
    assertThat(second.get().status()).isEqualTo(ProcessResult.Status.QUEUED);

    shard.reply("c", "re:one");
    assertThat(first.get().response()).isEqualTo("re:one");
    assertThat(shard.agentCalls).hasSize(2);
    assertThat(shard.callOf("c").pending.message.text()).isEqualTo("two");
    shard.reply("c", "re:two");

    assertThat(shard.events(Events.MESSAGE_PROCESSED)).extracting(event -> event.getString("response"))
      .containsExactly("re:one", "re:two");
    assertThat(shard.events(Events.MESSAGE_PROCESSED).get(1).getBoolean("queued")).isTrue();
    assertThat(shard.machine.leasesInShard()).isZero();
    assertThat(shard.limit.inUse()).isZero();
  }

  @Test
  @DisplayName("a lease past processingTimeout ends timed_out (forced: lockReleased), the call is cancelled, the late result is discarded")
  void timeout() {
    PlainShard shard = new PlainShard(new JsonObject().put("processingTimeout", 5_000).put("events",
      new JsonObject().put("steps", false)));
    AtomicReference<ProcessResult> slow = shard.send("c", "slow");
    shard.send("c", "next");
    Lease slowLease = shard.callOf("c");

    shard.advance(4_999);
    assertThat(slow.get()).isNull();
    shard.advance(1);

    assertThat(slow.get().status()).isEqualTo(ProcessResult.Status.TIMED_OUT);
    assertThat(shard.cancelled).containsExactly(slowLease.pending.processId);
    assertThat(shard.events(Events.LOCK_RELEASED)).hasSize(1);
    assertThat(shard.callOf("c").pending.message.text()).isEqualTo("next");

    shard.reply(slowLease, AgentOutcome.reply("too late", null));
    assertThat(shard.events(Events.LATE_RESULT_DISCARDED)).hasSize(1);
    assertThat(shard.metrics.lateResultCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("after the grace period the running and the waiting message each end once as discarded_on_shutdown")
  void discardOnShutdown() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 60_000));
    AtomicReference<ProcessResult> running = shard.send("c", "running");
    AtomicReference<ProcessResult> waiting = shard.send("c", "waiting");
    boolean[] drained = {false};
    shard.machine.stopAccepting(() -> drained[0] = true);
    assertThat(drained[0]).isFalse();
    assertThat(shard.send("d", "late").get().reason()).isEqualTo("shutting_down");

    JsonObject counts = shard.machine.discardEverything();

    assertThat(counts.getInteger("locksReleased")).isEqualTo(1);
    assertThat(counts.getInteger("messagesDropped")).isEqualTo(2);
    assertThat(running.get().reason()).isEqualTo("shutting_down");
    assertThat(waiting.get().reason()).isEqualTo("shutting_down");
    assertThat(shard.events(Events.MESSAGE_DISCARDED)).hasSize(2);
    assertThat(shard.events(Events.LOCK_RELEASED)).hasSize(1);
    assertThat(shard.metrics.count(Outcome.DISCARDED_ON_SHUTDOWN)).isEqualTo(2);
    assertThat(shard.limit.inUse()).isZero();
  }

  @Test
  @DisplayName("dropOldest: the oldest waiting message ends dropped, the newest takes its place")
  void dropOldest() {
    PlainShard shard = new PlainShard(new JsonObject().put("maxQueueSize", 1).put("queueOverflow", "dropOldest")
      .put("lockTimeout", 0));
    shard.send("c", "running");
    AtomicReference<ProcessResult> oldest = shard.send("c", "oldest");
    shard.send("c", "newest");

    assertThat(oldest.get().status()).isEqualTo(ProcessResult.Status.QUEUED); // answered queued before it was dropped
    assertThat(shard.events(Events.MESSAGE_DROPPED)).singleElement()
      .satisfies(event -> assertThat(event.getJsonObject("message").getString("text")).isEqualTo("oldest"));
    shard.reply("c", "re:running");
    assertThat(shard.callOf("c").pending.message.text()).isEqualTo("newest");
  }

  @Test
  @DisplayName("H3: the state machine's WARN lines (emergency unlock, stale lease) show only a contact's last 4 digits")
  void warningsMaskContactIds() {
    Logger logger = (Logger) LoggerFactory.getLogger(ContactStateMachine.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      PlainShard shard = new PlainShard(new JsonObject().put("processingTimeout", 5_000));
      shard.send("5511999990000", "one");
      shard.machine.operations().emergencyUnlock("5511999990000");
      shard.send("5511988880000", "two");
      shard.monotonicMillis.addAndGet(5_000 + ContactStateMachine.STALE_LEASE_GRACE_MS + 1); // past the deadline, no timer ran
      assertThat(shard.machine.operations().detectAndResolveDeadlocks()).isEqualTo(1);
    } finally {
      logger.detachAppender(lines);
    }
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
      .anySatisfy(line -> assertThat(line).startsWith("Emergency unlock of contact *********0000"))
      .anySatisfy(line -> assertThat(line).startsWith("Releasing stale lease of contact *********0000"))
      .noneSatisfy(line -> assertThat(line).contains("5511999990000"))
      .noneSatisfy(line -> assertThat(line).contains("5511988880000"));
  }
}
