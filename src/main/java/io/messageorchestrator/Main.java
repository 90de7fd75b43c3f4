package io.messageorchestrator;

import io.messageorchestrator.cluster.ClusterNode;
import io.messageorchestrator.cluster.ClusterStartException;
import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.ConfigLoader;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.journal.JournalUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the service: {@code java -jar message-orchestrator.jar [-conf conf/config.json]}.
 *
 * <p>Exit status: 0 after a complete graceful drain on SIGTERM/SIGINT (R11); 1 when start-up fails (one line on
 * stderr says why: the setting, the file or the port); 2 for a wrong command line. The shutdown hook is registered
 * before anything is deployed, so a signal during start-up drains whatever start-up deployed.
 *
 * <p>Not built on vertx-launcher-application's {@code VertxApplication}: its hooks would own the command line, the
 * shutdown hook and the exit codes, while the drain must run before Vert.x closes and the configuration needs our
 * file-then-environment loading (see the H19 commit).
 */
public final class Main {
  static final String USAGE = "Usage: java -jar message-orchestrator.jar [-conf <config.json>]";
  static final int EXIT_STARTUP_FAILED = 1;
  static final int EXIT_USAGE = 2;
  /** How long a signal received during start-up waits for start-up to end before giving up on a drain. */
  private static final long STARTUP_WAIT_MS = 60_000;
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  /** Set by the shutdown hook: start-up then builds no further Vert.x (the JVM would refuse its shutdown hook). */
  private static volatile boolean shutdownRequested;
  /** Cluster mode: the node's registry, whose meters carry the label {@code node}. */
  private static MeterRegistry clusterRegistry;

  private Main() {
  }

  /** The command line. */
  record Arguments(String configFile) {

    /** @throws IllegalArgumentException naming the argument that is wrong */
    static Arguments parse(String... args) {
      String configFile = ConfigLoader.DEFAULT_FILE;
      for (int i = 0; i < args.length; i++) {
        if ("-conf".equals(args[i]) || "--conf".equals(args[i])) {
          if (i + 1 >= args.length || args[i + 1].isBlank()) {
            throw new IllegalArgumentException(args[i] + " needs a file name");
          }
          configFile = args[++i];
        } else {
          throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
        }
      }
      return new Arguments(configFile);
    }
  }

  public static void main(String[] args) {
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("message-orchestrator: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(EXIT_USAGE);
      return;
    }
    // Created before anything can receive a signal: Vert.x registers a shutdown hook of its own while it is built,
    // which the JVM refuses once a shutdown is in progress. The configuration is read on it; a single node runs on it.
    Vertx plain = Vertx.builder().with(vertxOptions()).withMetrics(new MicrometerMetricsFactory()).build();
    Promise<OrchestratorConfig> configured = Promise.promise();
    Promise<Vertx> created = Promise.promise();
    Promise<OrchestratorSuite> started = Promise.promise();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutDown(created.future(), started.future()),
      "orchestrator-shutdown"));
    LOG.info("Starting message-orchestrator with {}", arguments.configFile());
    // Each step is awaited on this (non-Vert.x) thread.
    try {
      OrchestratorConfig config = await(ConfigLoader.load(plain, arguments.configFile()).onComplete(configured),
        Long.MAX_VALUE);
      OrchestratorSuite.Options options = OrchestratorSuite.Options.defaults();
      Vertx vertx = plain;
      if (config.cluster().enabled()) {
        // A clustered Vert.x cannot be made from a plain one: the plain one goes (its metrics with it) first.
        closeQuietly(plain);
        if (shutdownRequested) {
          LOG.info("Shutdown requested during start-up: not joining the cluster");
          started.fail("shut down before start-up");
          return;
        }
        // K6: every meter of a node carries its member address as the label "node", set before the first meter
        // exists (Prometheus wants one set of labels per metric name), so the nodes' /metrics can be told apart.
        PrometheusMeterRegistry nodeRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        nodeRegistry.config().commonTags("node", config.cluster().memberAddress());
        clusterRegistry = nodeRegistry;
        ClusterNode node = await(ClusterNode.join(config.cluster(), vertxOptions(),
          new MicrometerMetricsFactory(nodeRegistry)), Long.MAX_VALUE);
        vertx = node.vertx();
        options = options.withCluster(node);
      }
      created.complete(vertx);
      MeterRegistry registry = clusterRegistry != null ? clusterRegistry : BackendRegistries.getDefaultNow();
      started.complete(await(OrchestratorSuite.deploy(vertx, config, options.withRegistry(registry)),
        Long.MAX_VALUE));
    } catch (ExecutionException e) {
      started.tryFail(e.getCause()); // the shutdown hook has nothing to drain
      System.err.println("message-orchestrator: " + startupFailure(e.getCause(), configured.future()));
      if (!operatorError(e.getCause()) && bindFailure(e.getCause()) == null) {
        e.getCause().printStackTrace();
      }
      closeQuietly(created.future().succeeded() ? created.future().result() : plain);
      Logging.flush();
      System.exit(EXIT_STARTUP_FAILED);
    } catch (InterruptedException | TimeoutException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static VertxOptions vertxOptions() {
    MicrometerMetricsOptions metricsOptions = new MicrometerMetricsOptions()
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setJvmMetricsEnabled(true)
      .setEnabled(true);
    return new VertxOptions().setMetricsOptions(metricsOptions)
      .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors());
  }

  /**
   * The shutdown hook: waits for start-up to end (a signal may arrive in the middle of it), drains the suite, closes
   * Vert.x and ends the process with status 0 once the drain completed. After a failed start-up it does nothing:
   * {@link #main} reports the failure and exits 1.
   */
  private static void shutDown(Future<Vertx> created, Future<OrchestratorSuite> started) {
    shutdownRequested = true;
    OrchestratorSuite suite;
    try {
      if (!started.isComplete()) {
        LOG.info("Shutdown requested during start-up: draining what start-up deploys");
      }
      suite = await(started, STARTUP_WAIT_MS);
    } catch (ExecutionException e) {
      return;
    } catch (TimeoutException e) {
      LOG.warn("Start-up did not finish within {} ms of the shutdown request: closing without a drain",
        STARTUP_WAIT_MS);
      if (created.succeeded()) {
        closeQuietly(created.result());
      }
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    Vertx vertx = created.result();
    LOG.info("Shutting down: draining for up to {} ms", suite.config().shutdownGracePeriod());
    // Shards drain for up to the grace period, then reply delivery gets its own grace period for the last replies.
    // Closing a clustered Vert.x then leaves the cluster (its Hazelcast member shuts down gracefully).
    // A clustered node also hands its shards off (each drained within the grace period, side by side) and then
    // leaves Hazelcast, which moves its partitions first (at most 10 s).
    long waitMs = 2 * suite.config().shutdownGracePeriod() + (vertx.isClustered() ? 45_000 : 15_000);
    JsonObject totals;
    try {
      long deadline = System.nanoTime() + waitMs * 1_000_000;
      totals = await(suite.stop(), waitMs);
      // Closed from this thread, not chained on one of the closing Vert.x's contexts: a continuation scheduled on an
      // event loop that has just terminated would never run.
      long closing = System.nanoTime();
      await(vertx.close(), Math.max(1, (deadline - closing) / 1_000_000));
      LOG.info("Vert.x closed in {} ms{}", (System.nanoTime() - closing) / 1_000_000,
        vertx.isClustered() ? " (left the cluster)" : "");
    } catch (TimeoutException e) {
      LOG.warn("Shutdown did not finish within {} ms", waitMs);
      return;
    } catch (ExecutionException e) {
      LOG.warn("Shutdown failed: {}", e.getCause().toString());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    LOG.info("Shutdown complete: {}", totals.encode());
    // A drained service exits 0 (not the JVM's 143 for SIGTERM), so supervisors see a clean stop. Logging is flushed
    // first: halt skips whatever else would run at exit.
    Logging.flush();
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(0);
  }

  /** One line for an operator: the setting, the file or the port at fault. */
  static String startupFailure(Throwable failure, Future<OrchestratorConfig> configured) {
    if (operatorError(failure)) {
      return "start-up failed: " + failure.getMessage();
    }
    BindException bind = bindFailure(failure);
    if (bind != null && configured.succeeded()) {
      OrchestratorConfig.Http http = configured.result().http();
      return "start-up failed: cannot listen on " + http.host() + ":" + http.port() + " ("
        + (bind.getMessage() == null ? "bind failed" : bind.getMessage()) + "); the port is set by 'http.port'"
        + " (env HTTP_PORT), the address by 'http.host' (env HTTP_HOST)";
    }
    return "start-up failed: " + failure;
  }

  /**
   * A failure whose message tells the operator everything (the setting, or the journal file / server at fault): one
   * line, no stack trace.
   */
  private static boolean operatorError(Throwable failure) {
    return failure instanceof ConfigException || failure instanceof JournalUnavailableException
      || failure instanceof ClusterStartException;
  }

  private static BindException bindFailure(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException bind) {
        return bind;
      }
    }
    return null;
  }

  private static <T> T await(Future<T> future, long timeoutMs)
    throws ExecutionException, InterruptedException, TimeoutException {
    CompletableFuture<T> completion = future.toCompletionStage().toCompletableFuture();
    return timeoutMs == Long.MAX_VALUE ? completion.get() : completion.get(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private static void closeQuietly(Vertx vertx) {
    try {
      await(vertx.close(), 10_000);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("Closing Vert.x failed: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
