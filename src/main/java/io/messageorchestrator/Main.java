package io.messageorchestrator;

import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.ConfigLoader;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts the service: {@code java -jar message-orchestrator.jar [-conf conf/config.json]}. Stops gracefully on
 * SIGTERM/SIGINT (R11).
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) throws InterruptedException {
    String configFile = ConfigLoader.DEFAULT_FILE;
    for (int i = 0; i < args.length; i++) {
      if (("-conf".equals(args[i]) || "--conf".equals(args[i])) && i + 1 < args.length) {
        configFile = args[++i];
      } else {
        System.err.println("Usage: java -jar message-orchestrator.jar [-conf <config.json>]");
        System.exit(2);
      }
    }
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions()
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setJvmMetricsEnabled(true)
      .setEnabled(true);
    Vertx vertx = Vertx.builder()
      .with(new VertxOptions().setMetricsOptions(metricsOptions)
        .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()))
      .withMetrics(new MicrometerMetricsFactory())
      .build();
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    CountDownLatch started = new CountDownLatch(1);
    OrchestratorSuite[] running = new OrchestratorSuite[1];
    ConfigLoader.load(vertx, configFile)
      .compose(config -> OrchestratorSuite.deploy(vertx, config,
        OrchestratorSuite.Options.defaults().withRegistry(registry)))
      .onComplete(result -> {
        if (result.succeeded()) {
          running[0] = result.result();
        } else {
          Throwable cause = result.cause();
          LOG.error("Start-up failed: {}", cause instanceof ConfigException ? cause.getMessage() : cause.toString(),
            cause instanceof ConfigException ? null : cause);
        }
        started.countDown();
      });
    started.await();
    if (running[0] == null) {
      vertx.close();
      Logging.flush();
      System.exit(1);
    }
    OrchestratorSuite suite = running[0];
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Shutting down: draining for up to {} ms", suite.config().shutdownGracePeriod());
      // Shards drain for up to the grace period, then reply delivery gets its own grace period for the last replies.
      long waitMs = 2 * suite.config().shutdownGracePeriod() + 15_000;
      CountDownLatch closed = new CountDownLatch(1);
      suite.stop().eventually(vertx::close).onComplete(done -> closed.countDown());
      try {
        if (!closed.await(waitMs, TimeUnit.MILLISECONDS)) {
          LOG.warn("Shutdown did not finish within {} ms", waitMs);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Logging.flush();
    }, "orchestrator-shutdown"));
  }
}
