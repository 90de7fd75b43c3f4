package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.journal.ShardFencedException;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.ContactLane.Lease;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A shard's {@link ShardIntake} and {@link ContactStateMachine} without Vert.x, for tests: time moves only by
 * {@link #advance} (or by hand, without running timers), timers and permit grants run only when the test lets them,
 * events and agent calls are recorded in lists.
 */
final class PlainShard implements ShardEffects {
  /** Monotonic time (ms) and, separately, the wall clock, which a test may jump. */
  final AtomicLong monotonicMillis = new AtomicLong(1_000_000);
  final AtomicLong wallMillis = new AtomicLong(1_700_000_000_000L);
  final List<Map.Entry<String, JsonObject>> events = new ArrayList<>();
  final List<Lease> agentCalls = new ArrayList<>();
  /** Each agent call's messages as the agent got them (V1/V2: a call's message list grows when it is restarted). */
  final List<List<InboundMessage>> callMessages = new ArrayList<>();
  /** V4: the history each agent call was given (as the verticle asks for it when the call starts), by call. */
  final List<io.vertx.core.Future<List<io.messageorchestrator.core.HistoryEntry>>> histories = new ArrayList<>();
  final List<String> cancelled = new ArrayList<>();
  /** Writes the journal refused because the shard's epoch was superseded (cluster mode), as the shard heard them. */
  final List<ShardFencedException> fenced = new ArrayList<>();
  final OrchestratorConfig config;
  final GlobalConcurrencyLimit limit;
  final OrchestratorMetrics metrics = new OrchestratorMetrics(new SimpleMeterRegistry());
  final Lifecycle lifecycle = new Lifecycle();
  final ContactStateMachine machine;
  final ShardIntake intake;
  /** Tasks for "the shard's context" (permit grants), run by {@link #runContext()}. */
  private final ArrayDeque<Runnable> contextTasks = new ArrayDeque<>();
  private final Map<Long, Timer> timers = new LinkedHashMap<>();
  private long timerIds;

  private record Timer(long dueMillis, Runnable action) {
  }

  PlainShard(JsonObject overrides) {
    this(overrides, null, 0, 1);
  }

  /** One of {@code shardCount} shards sharing {@code limit} (null: a limit of its own). */
  PlainShard(JsonObject overrides, GlobalConcurrencyLimit limit, int index, int shardCount) {
    this(overrides, limit, index, shardCount, null);
  }

  /** A shard writing to {@code journal} (null: a memory journal of its own). */
  PlainShard(JsonObject overrides, Journal journal) {
    this(overrides, null, 0, 1, journal);
  }

  /** One of {@code shardCount} shards sharing {@code limit} and writing to {@code journal}. */
  PlainShard(JsonObject overrides, GlobalConcurrencyLimit limit, int index, int shardCount, Journal given) {
    this.config = OrchestratorConfig.from(Suites.baseConfig().put("shards", shardCount).mergeIn(overrides, true));
    this.limit = limit != null ? limit : new GlobalConcurrencyLimit(config.maxConcurrentContacts());
    TimeSource time = new TimeSource() {
      @Override
      public long monotonicMillis() {
        return monotonicMillis.get();
      }

      @Override
      public long timerNanos() {
        return monotonicMillis.get() * 1_000_000;
      }

      @Override
      public long wallMillis() {
        return wallMillis.get();
      }
    };
    JournalWrites journal = new JournalWrites(given != null ? given : new MemoryJournal(config.dedupMaxEntries()),
      time, this, fenced::add);
    this.machine = new ContactStateMachine(index, config, this.limit, contextTasks::add, metrics, lifecycle, time,
      this, journal);
    this.intake = new ShardIntake(machine, shardCount, "n-" + index + "-", config, metrics, time, this, journal);
  }

  /** Sends a message; the returned reference holds the caller's answer once there is one. */
  AtomicReference<ProcessResult> send(String contactId, InboundMessage message) {
    AtomicReference<ProcessResult> answer = new AtomicReference<>();
    intake.accept(new ProcessRequest(contactId, message, false), result -> {
      if (!answer.compareAndSet(null, result)) {
        throw new AssertionError("a caller was answered twice: " + answer.get() + " then " + result);
      }
    });
    return answer;
  }

  /**
   * R7's second half: queues a message without starting it or waiting for a permit — the stalled lane the sweep
   * restarts (as a lost permit wake-up would leave it).
   */
  void stall(String contactId, InboundMessage message) {
    long now = monotonicMillis.get();
    ContactLane lane = machine.contacts().getOrCreate(io.messageorchestrator.core.Accounts.DEFAULT, contactId, now);
    ContactLane.Pending pending = new ContactLane.Pending("stalled-" + contactId, lane.account, contactId, message,
      message.toJson(), now, null);
    pending.answeredQueued = true;
    lane.enqueue(pending);
    machine.queuedDelta(1);
    machine.contacts().markBusy(lane);
  }

  AtomicReference<ProcessResult> send(String contactId, String text) {
    return send(contactId, InboundMessage.text(text));
  }

  /** The agent call started last for the contact. */
  Lease callOf(String contactId) {
    for (int i = agentCalls.size() - 1; i >= 0; i--) {
      if (agentCalls.get(i).lane.contactId.equals(contactId)) {
        return agentCalls.get(i);
      }
    }
    throw new AssertionError("no agent call for " + contactId);
  }

  void reply(Lease lease, AgentOutcome outcome) {
    machine.onAgentResult(new AgentResult(lease.lane.account, lease.lane.contactId, lease.pending.processId, lease.token,
      wallMillis.get(), outcome));
  }

  void reply(String contactId, String response) {
    reply(callOf(contactId), AgentOutcome.reply(response, null));
  }

  /** Real time passes (both clocks move) and the timers that fall due run, in due order. */
  void advance(long millis) {
    monotonicMillis.addAndGet(millis);
    wallMillis.addAndGet(millis);
    while (true) {
      Map.Entry<Long, Timer> due = timers.entrySet().stream()
        .filter(timer -> timer.getValue().dueMillis() <= monotonicMillis.get())
        .min(Comparator.comparingLong(timer -> timer.getValue().dueMillis())).orElse(null);
      if (due == null) {
        return;
      }
      timers.remove(due.getKey());
      due.getValue().action().run();
    }
  }

  /** Runs what was handed to the shard's context (permit grants), until nothing is left. */
  void runContext() {
    Runnable task;
    while ((task = contextTasks.poll()) != null) {
      task.run();
    }
  }

  List<JsonObject> events(String name) {
    return events.stream().filter(event -> event.getKey().equals(name)).map(Map.Entry::getValue).toList();
  }

  List<String> eventNames() {
    return events.stream().map(Map.Entry::getKey).toList();
  }

  @Override
  public void publish(String event, JsonObject payload) {
    events.add(Map.entry(event, payload));
  }

  @Override
  public void startAgentCall(Lease lease) {
    agentCalls.add(lease);
    callMessages.add(Coalescing.messagesOf(lease.pending));
    histories.add(machine.history().forCall(lease.lane.account, lease.lane.contactId));
  }

  @Override
  public void cancelAgentCall(String processId) {
    cancelled.add(processId);
  }

  @Override
  public long setTimer(long delayMillis, Runnable action) {
    long id = ++timerIds;
    timers.put(id, new Timer(monotonicMillis.get() + delayMillis, action));
    return id;
  }

  @Override
  public void cancelTimer(long timerId) {
    timers.remove(timerId);
  }
}
