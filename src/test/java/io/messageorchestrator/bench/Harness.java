package io.messageorchestrator.bench;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One benchmark run: a fresh Vert.x instance with the real verticle suite ({@link OrchestratorSuite#deploy}), the
 * bench agent, the tracker's event consumers, and a driver context from which messages are submitted through
 * {@code suite.client()} (so the answers come back on one event loop, as for any verticle calling the client).
 */
final class Harness implements AutoCloseable {
  final Vertx vertx;
  final OrchestratorSuite suite;
  final Tracker tracker;
  final Context driver;

  private Harness(Vertx vertx, OrchestratorSuite suite, Tracker tracker, Context driver) {
    this.vertx = vertx;
    this.suite = suite;
    this.tracker = tracker;
    this.driver = driver;
  }

  static Harness start(JsonObject config, BenchAgent agent, Tracker tracker, OrchestratorSuite.Options options) {
    // Like Main: one event loop per core (-Dbench.eventLoops=N to compare).
    Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(
      Integer.getInteger("bench.eventLoops", Runtime.getRuntime().availableProcessors())));
    try {
      // The memory journal unless the scenario chose one (the durable scenarios compare against it).
      // No per-conversation limits (V5b): the scenarios send many messages per contact at once on purpose.
      config = new JsonObject().put("journal", new JsonObject().put("type", "memory"))
        .put("contact", new JsonObject().put("rateLimit", 0).put("dailyAgentCalls", 0))
        .mergeIn(withOverrides(config), true);
      // The tracker listens before the suite starts: a durable journal's recovered messages run during deploy.
      await(tracker.attach(vertx), 10_000);
      tracker.deployStartedNow();
      OrchestratorSuite suite = await(OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(config),
        options.withProcessor(agent)), 30_000);
      return new Harness(vertx, suite, tracker, vertx.getOrCreateContext());
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /**
   * Applies {@code -Dbench.set=key=value,key=value} (dotted configuration paths, e.g.
   * {@code events.steps=false,processor.workerInstances=1}) to a scenario's configuration; values are strings, as
   * from the environment. {@code -Dbench.stepEvents=false} is short for {@code events.steps=false}.
   */
  static JsonObject withOverrides(JsonObject config) {
    JsonObject result = config.copy();
    String stepEvents = System.getProperty("bench.stepEvents");
    if (stepEvents != null) {
      result.put("events", new JsonObject().put("steps", stepEvents));
    }
    String settings = System.getProperty("bench.set", "");
    for (String setting : settings.split(",")) {
      String[] pair = setting.split("=", 2);
      if (pair.length == 2 && !pair[0].isBlank()) {
        String[] path = pair[0].trim().split("\\.");
        JsonObject node = result;
        for (int i = 0; i < path.length - 1; i++) {
          JsonObject child = node.getJsonObject(path[i]);
          if (child == null) {
            child = new JsonObject();
            node.put(path[i], child);
          }
          node = child;
        }
        node.put(path[path.length - 1], pair[1].trim());
      }
    }
    return result;
  }

  /** Submits message {@code msgNo}; call on the driver context. */
  void submit(int msgNo, int contact, String text, boolean withMessageId) {
    InboundMessage message = new InboundMessage(text, withMessageId ? "wamid." + msgNo : null, "text",
      System.currentTimeMillis(), null);
    long start = System.nanoTime();
    tracker.submittedNow(msgNo, start);
    suite.client().processMessage(MsgText.contactId(contact), message)
      .onComplete(answer -> tracker.answered(msgNo, start, answer));
  }

  /**
   * Closed loop on the driver: keeps {@code window} messages in flight until {@code total} were submitted; message
   * {@code i} goes to contact {@code i} (one message per contact).
   */
  void closedLoopOnePerContact(int total, int window, int textLength, boolean withMessageId) {
    driver.runOnContext(v -> {
      int[] next = {0};
      Runnable[] submitNext = new Runnable[1];
      submitNext[0] = () -> {
        if (next[0] >= total) {
          return;
        }
        int msgNo = next[0]++;
        InboundMessage message = new InboundMessage(MsgText.text(msgNo, msgNo, 0, textLength),
          withMessageId ? "wamid." + msgNo : null, "text", System.currentTimeMillis(), null);
        long start = System.nanoTime();
        tracker.submittedNow(msgNo, start);
        suite.client().processMessage(MsgText.contactId(msgNo), message).onComplete(answer -> {
          tracker.answered(msgNo, start, answer);
          submitNext[0].run();
        });
      };
      for (int i = 0; i < Math.min(window, total); i++) {
        submitNext[0].run();
      }
    });
  }

  Future<JsonObject> stats() {
    return suite.client().getStats();
  }

  @Override
  public void close() {
    try {
      await(suite.stop(), 30_000);
    } finally {
      await(vertx.close(), 30_000);
    }
  }

  static <T> T await(Future<T> future, long timeoutMs) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer within " + timeoutMs + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
