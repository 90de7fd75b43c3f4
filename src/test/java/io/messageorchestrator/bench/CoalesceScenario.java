package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentProcessor;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.Outcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * coalesce (V1/V7): {@code bench.coalesce.contacts} contacts (1,000) each send {@code bench.coalesce.bursts} bursts
 * (2) of 5 fragments 10 ms apart, accept-only as webhooks do, with a 200 ms quiet window
 * ({@code coalesce.quietWindow}); the agent sleeps {@code bench.coalesce.agentMs} (20) per call. Bursts of one
 * contact start 2 windows + 100 ms after the previous burst's last fragment, so they never merge. Checks: agent
 * calls = contacts × bursts exactly, each call holds exactly its burst's 5 fragments, every fragment has one outcome
 * ({@code processed} or {@code coalesced_into}), nothing refused. Reports p50/p99 of the excess: (time from a burst's
 * last fragment to its {@code messageProcessed}) − window, which is the agent's time plus the orchestrator's.
 */
final class CoalesceScenario {
  static final int FRAGMENTS = 5;
  static final long FRAGMENT_GAP_MS = 10;
  static final long WINDOW_MS = 200;

  private CoalesceScenario() {
  }

  static Result run() throws Exception {
    int contacts = Integer.getInteger("bench.coalesce.contacts", 1_000);
    int bursts = Integer.getInteger("bench.coalesce.bursts", 2);
    long agentMs = Long.getLong("bench.coalesce.agentMs", 20);
    int calls = contacts * bursts;
    int fragments = calls * FRAGMENTS;
    long burstPeriodMs = (FRAGMENTS - 1) * FRAGMENT_GAP_MS + 2 * WINDOW_MS + 100;

    LongAdder agentCalls = new LongAdder();
    LongAdder wrongCalls = new LongAdder();
    AgentProcessor agent = (message, context) -> {
      agentCalls.increment();
      List<InboundMessage> messages = context.messages();
      String burst = burstOf(messages.getFirst().text());
      if (messages.size() != FRAGMENTS || !messages.stream().allMatch(m -> burst.equals(burstOf(m.text())))) {
        wrongCalls.increment();
      }
      if (agentMs > 0) {
        Thread.sleep(agentMs);
      }
      return AgentReply.of("answer to " + burst);
    };
    JsonObject config = Harness.withOverrides(new JsonObject()
      .put("journal", new JsonObject().put("type", "memory"))
      .put("maxConcurrentContacts", contacts).put("lockTimeout", 0).put("shutdownGracePeriod", 1_000)
      .put("events", new JsonObject().put("steps", false))
      .put("coalesce", new JsonObject().put("quietWindow", WINDOW_MS)));

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
      Integer.getInteger("bench.eventLoops", Runtime.getRuntime().availableProcessors())));
    AtomicLongArray lastFragmentNanos = new AtomicLongArray(calls);
    Histogram excess = new Histogram(3);
    AtomicLong processedCalls = new AtomicLong();
    AtomicLong members = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong lastProcessedNanos = new AtomicLong();
    CompletableFuture<Void> done = new CompletableFuture<>();
    OrchestratorSuite suite = null;
    long startNanos;
    long cpuAtStart;
    long cpuAtEnd;
    try {
      Context events = vertx.getOrCreateContext();
      Promise<Void> attached = Promise.promise();
      events.runOnContext(v -> {
        MessageConsumer<JsonObject> processed = vertx.eventBus().consumer(
          Addresses.event(Events.MESSAGE_PROCESSED), event -> {
            long now = System.nanoTime();
            JsonObject body = event.body();
            int call = callIndex(body.getJsonObject("message").getString("text"), bursts);
            excess.recordValue(Math.max(0, (now - lastFragmentNanos.get(call)) / 1_000 - WINDOW_MS * 1_000));
            members.addAndGet(body.getJsonArray("members") == null ? 1 : body.getJsonArray("members").size());
            lastProcessedNanos.set(now);
            if (processedCalls.incrementAndGet() == calls) {
              done.complete(null);
            }
          });
        MessageConsumer<JsonObject> refused = vertx.eventBus().consumer(Addresses.event(Events.MESSAGE_REJECTED),
          event -> rejected.incrementAndGet());
        Future.all(processed.completion(), refused.completion()).<Void>mapEmpty().onComplete(attached);
      });
      Harness.await(attached.future(), 10_000);
      suite = Harness.await(OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(config),
        OrchestratorSuite.Options.defaults().withoutHttp().withProcessor(agent)), 30_000);
      OrchestratorSuite running = suite;
      Context driver = vertx.getOrCreateContext();
      cpuAtStart = Result.processCpuNanos();
      startNanos = System.nanoTime();
      driver.runOnContext(v -> {
        for (int burst = 0; burst < bursts; burst++) {
          for (int fragment = 0; fragment < FRAGMENTS; fragment++) {
            int b = burst;
            int f = fragment;
            long at = burst * burstPeriodMs + fragment * FRAGMENT_GAP_MS;
            Runnable send = () -> {
              for (int contact = 0; contact < contacts; contact++) {
                if (f == FRAGMENTS - 1) {
                  lastFragmentNanos.set(contact * bursts + b, System.nanoTime());
                }
                running.client().accept(MsgText.contactId(contact), InboundMessage.text(
                  "c" + contact + " b" + b + " f" + f + " …", "wamid." + contact + "." + b + "." + f))
                  .onSuccess(answer -> {
                    if (answer.status() == ProcessResult.Status.REJECTED) {
                      rejected.incrementAndGet();
                    }
                  });
              }
            };
            if (at == 0) {
              send.run();
            } else {
              vertx.setTimer(at, id -> send.run());
            }
          }
        }
      });
      long expectedMs = bursts * burstPeriodMs + 60_000;
      try {
        done.get(expectedMs, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // reported below as a violation: calls missing
      }
      cpuAtEnd = Result.processCpuNanos();
      long coalescedInto = running.metrics().count(Outcome.COALESCED_INTO);
      long processedOutcomes = running.metrics().count(Outcome.PROCESSED);
      double wallMs = (lastProcessedNanos.get() - startNanos) / 1e6;
      Result result = new Result("coalesce")
        .counts(fragments, fragments - members.get(), new JsonObject().put("processed", processedOutcomes)
          .put("coalesced_into", coalescedInto).put("rejected", rejected.get()))
        .wall(wallMs).throughput(wallMs > 0 ? fragments * 1000.0 / wallMs : 0)
        .latency(excess, "last fragment of a burst -> its messageProcessed, minus the " + WINDOW_MS + " ms window")
        .target("agent calls = contacts x bursts (" + calls + "), every fragment one outcome, p99 excess <= "
          + (agentMs + 50) + " ms (agent " + agentMs + " ms + 50)")
        .check(excess.getValueAtPercentile(99) <= (agentMs + 50) * 1_000, "p99 excess "
          + excess.getValueAtPercentile(99) / 1_000 + " ms")
        .detail("contacts", contacts).detail("bursts", bursts).detail("fragmentsPerBurst", FRAGMENTS)
        .detail("agentCalls", agentCalls.sum()).detail("agentMs", agentMs)
        .detail("cpuMicrosPerFragment", Result.cpuMicrosPer(cpuAtStart, cpuAtEnd, fragments))
        .detail("config", config);
      if (agentCalls.sum() != calls) {
        result.violation(agentCalls.sum() + " agent calls, expected exactly " + calls);
      }
      if (wrongCalls.sum() > 0) {
        result.violation(wrongCalls.sum() + " agent call(s) without exactly their burst's " + FRAGMENTS
          + " fragments");
      }
      if (processedOutcomes != calls || coalescedInto != fragments - calls || members.get() != fragments) {
        result.violation("outcomes: " + processedOutcomes + " processed + " + coalescedInto + " coalesced_into ("
          + members.get() + " fragments in messageProcessed) for " + fragments + " fragments in " + calls + " calls");
      }
      if (rejected.get() > 0) {
        result.violation(rejected.get() + " fragment(s) refused");
      }
      return result;
    } finally {
      try {
        if (suite != null) {
          Harness.await(suite.stop(), 30_000);
        }
      } finally {
        Harness.await(vertx.close(), 30_000);
      }
    }
  }

  /** "c12 b1 f3 …" → "c12 b1". */
  private static String burstOf(String text) {
    int second = text.indexOf(' ', text.indexOf(' ') + 1);
    return text.substring(0, second);
  }

  /** The index of the burst the text belongs to: contact × bursts + burst. */
  private static int callIndex(String text, int bursts) {
    String[] parts = text.split(" ");
    return Integer.parseInt(parts[0].substring(1)) * bursts + Integer.parseInt(parts[1].substring(1));
  }
}
