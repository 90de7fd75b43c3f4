package io.messageorchestrator.support;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentProcessor;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.journal.Journal;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;

import java.util.function.LongSupplier;

/** Boots the real verticle suite (without HTTP) for tests, with short shutdown grace so tests end fast. */
public final class Suites {
  private Suites() {
  }

  /**
   * Three shards, a short shutdown grace, the memory journal (tests of orchestration logic need no disk; journal
   * tests choose theirs), one attempt per message (tests of retries set {@code retry.maxAttempts}) and no
   * per-conversation limits (tests of V5b set {@code contact.*}: others send many messages per contact at once);
   * {@code mergeIn} overrides (deeply).
   */
  public static JsonObject baseConfig() {
    return new JsonObject().put("shards", 3).put("shutdownGracePeriod", 200)
      .put("journal", new JsonObject().put("type", "memory"))
      .put("contact", new JsonObject().put("rateLimit", 0).put("dailyAgentCalls", 0))
      .put("retry", new JsonObject().put("maxAttempts", 1));
  }

  public static OrchestratorSuite start(Vertx vertx, JsonObject overrides, AgentProcessor agent) {
    // The service's own default clock (monotonic), so tests run durations the way production does (H11).
    return start(vertx, overrides, agent, OrchestratorSuite.Options.defaults().clock());
  }

  /** The whole suite with its HTTP server on a loopback ephemeral port ({@code suite.httpPort()}). */
  public static OrchestratorSuite startWithHttp(Vertx vertx, JsonObject overrides, AgentProcessor agent) {
    JsonObject config = baseConfig().put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .mergeIn(overrides, true);
    return Await.result(OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(config),
      OrchestratorSuite.Options.defaults().withProcessor(agent)));
  }

  /** The whole suite with its HTTP server, over a journal the test opened (and closes). */
  public static OrchestratorSuite startWithHttp(Vertx vertx, JsonObject overrides, AgentProcessor agent,
                                                Journal journal) {
    JsonObject config = baseConfig().put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .mergeIn(overrides, true);
    return Await.result(OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(config),
      OrchestratorSuite.Options.defaults().withProcessor(agent).withJournal(journal)));
  }

  public static OrchestratorSuite start(Vertx vertx, JsonObject overrides, AgentProcessor agent, LongSupplier clock) {
    OrchestratorConfig config = OrchestratorConfig.from(baseConfig().mergeIn(overrides, true));
    return Await.result(OrchestratorSuite.deploy(vertx, config,
      OrchestratorSuite.Options.defaults().withoutHttp().withProcessor(agent).withClock(clock)));
  }

  /** For an {@code @AfterEach}: stops the suite if the test got as far as deploying one, then completes. */
  public static void stopIfStarted(OrchestratorSuite suite, VertxTestContext testContext) {
    if (suite == null) {
      testContext.completeNow();
      return;
    }
    suite.stop().onComplete(testContext.succeedingThenComplete());
  }
}
