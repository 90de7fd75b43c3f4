package io.messageorchestrator;

import io.messageorchestrator.cluster.ClusterNode;
import io.messageorchestrator.cluster.ShardOwnership;
import io.messageorchestrator.journal.PostgresJournal;
import io.messageorchestrator.orchestrator.ProcessEntryVerticle;
import io.messageorchestrator.agent.AgentCircuit;
import io.messageorchestrator.agent.AgentProcessor;
import io.messageorchestrator.agent.AgentProcessors;
import io.messageorchestrator.core.AgentTask;
import io.messageorchestrator.agent.AgentWorkerVerticle;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.messageorchestrator.eventbus.EventOrigin;
import io.messageorchestrator.eventbus.LocalCodec;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.http.HttpVerticle;
import io.messageorchestrator.orchestrator.AdminVerticle;
import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.journal.ContactPause;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.HistoryTurn;
import io.messageorchestrator.journal.JournalAdminVerticle;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.Journals;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.orchestrator.ConversationHistory;
import io.messageorchestrator.orchestrator.GlobalConcurrencyLimit;
import io.messageorchestrator.orchestrator.JournalMetrics;
import io.messageorchestrator.orchestrator.Lifecycle;
import io.messageorchestrator.orchestrator.OrchestratorClient;
import io.messageorchestrator.orchestrator.OrchestratorMetrics;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.orchestrator.ShardHealth;
import io.messageorchestrator.orchestrator.ShardVerticle;
import io.messageorchestrator.outbound.OutboundEvents;
import io.messageorchestrator.outbound.OutboundVerticle;
import io.messageorchestrator.http.WebhookRoutes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Composes the service: agent workers (sharing one agent circuit), the outbound (reply delivery) verticle,
 * orchestrator shards, the admin verticle, the journal admin verticle (dead letters, a contact's data) and the HTTP
 * verticle, deployed in that order (each is ready before the next needs it), and stopped in the order that loses
 * nothing: shards drain first while workers and HTTP still run (callers get
 * {@code 503 shutting_down} instead of a refused connection), then outbound delivers the last replies, then the
 * rest stops.
 */
public final class OrchestratorSuite {
  private static final Logger LOG = LoggerFactory.getLogger(OrchestratorSuite.class);
  /** Purges run every quarter of the retention, at least every minute and at most every second. */
  private static final long PURGE_INTERVAL_MAX_MS = 60_000;
  private static final long PURGE_INTERVAL_MIN_MS = 1_000;
  private static final long PURGE_PAUSE_MS = 100;
  private static final int PURGE_BATCH = 500;

  /**
   * Choices tests and embedders can make.
   *
   * @param processor the agent; {@code null} builds the one named by {@code processor.type}
   * @param registry  where metrics go; {@code null} for a private registry
   * @param clock     monotonic milliseconds for lease ages, idle times and dedup windows (timers still use real
   *                  time; event timestamps the wall clock); default {@link System#nanoTime()} in ms, so a wall-clock
   *                  jump moves none of them
   * @param http      whether to deploy the HTTP verticle
   * @param journal   a journal opened by the caller, or {@code null}
   * @param clusterCheck the readiness check of the node's cluster membership, or {@code null} for a single node
   * @param cluster   cluster mode: the node (its clustered Vert.x is the suite's); {@code null} for a single node
   */
  public record Options(AgentProcessor processor, MeterRegistry registry, LongSupplier clock, boolean http,
                        Journal journal, Handler<Promise<Status>> clusterCheck, ClusterNode cluster) {
    public Options(AgentProcessor processor, MeterRegistry registry, LongSupplier clock, boolean http,
                   Journal journal, Handler<Promise<Status>> clusterCheck) {
      this(processor, registry, clock, http, journal, clusterCheck, null);
    }

    public static Options defaults() {
      return new Options(null, null, () -> System.nanoTime() / 1_000_000, true, null, null, null);
    }

    /**
     * Cluster mode: this suite runs the shards the cluster gives {@code node} ({@link ShardOwnership}), routes every
     * request to its shard's owner, and its readiness includes the node's membership.
     */
    public Options withCluster(ClusterNode node) {
      return new Options(processor, registry, clock, http, journal, node.readinessCheck(), node);
    }

    public Options withProcessor(AgentProcessor processor) {
      return new Options(processor, registry, clock, http, journal, clusterCheck, cluster);
    }

    public Options withRegistry(MeterRegistry registry) {
      return new Options(processor, registry, clock, http, journal, clusterCheck, cluster);
    }

    public Options withClock(LongSupplier clock) {
      return new Options(processor, registry, clock, http, journal, clusterCheck, cluster);
    }

    public Options withoutHttp() {
      return new Options(processor, registry, clock, false, journal, clusterCheck, cluster);
    }

    /** A journal opened by the caller (kept open at stop); {@code null}: the one {@code journal.*} configures. */
    public Options withJournal(Journal journal) {
      return new Options(processor, registry, clock, http, journal, clusterCheck, cluster);
    }

    /**
     * Cluster mode: readiness gets a {@code cluster} check (e.g. {@code ClusterNode::readinessCheck}); {@code null}
     * (single node): none.
     */
    public Options withClusterCheck(Handler<Promise<Status>> clusterCheck) {
      return new Options(processor, registry, clock, http, journal, clusterCheck, cluster);
    }
  }

  private final Vertx vertx;
  private final OrchestratorConfig config;
  private final int shardCount;
  private final OrchestratorMetrics metrics;
  private final Lifecycle lifecycle = new Lifecycle();
  private final OrchestratorClient client;
  private final List<ShardVerticle> shards = new ArrayList<>();
  private final List<String> shardDeployments = new ArrayList<>();
  private final AtomicInteger httpPort = new AtomicInteger(-1);
  private String workerDeployment;
  private String adminDeployment;
  private String journalAdminDeployment;
  private String healthDeployment;
  private String outboundDeployment;
  private String httpDeployment;
  /** Cluster mode: the node's shard ownership (it deploys and hands off the shards). */
  private String ownershipDeployment;
  private OutboundVerticle outbound;
  private volatile ShardOwnership ownership;
  /** Cluster mode: every event this node publishes names it (the {@code node} header), until the suite stops. */
  private EventOrigin eventOrigin;
  private Future<JsonObject> stopped;
  private Journal journal;
  private boolean ownsJournal;
  /** The suite's monotonic clock (the memory journal's times). */
  private LongSupplier clock;
  private long purgeTimer = -1;
  /** V4: read at start, handed to the shards with the recovery. */
  private List<HistoryTurn> recoveredHistory = List.of();

  private OrchestratorSuite(Vertx vertx, OrchestratorConfig config, Options options) {
    this.vertx = vertx;
    this.config = config;
    // In a cluster every node must map conversations to the same shards: cluster.shards, not this node's cores.
    this.shardCount = options.cluster() != null ? config.cluster().shards()
      : config.shards() > 0 ? config.shards() : eventLoopCount();
    this.metrics = new OrchestratorMetrics(options.registry() != null ? options.registry()
      : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    this.client = new OrchestratorClient(vertx, shardCount,
      config.lockTimeout() + config.processingTimeout() + 30_000);
  }

  public static Future<OrchestratorSuite> deploy(Vertx vertx, OrchestratorConfig config) {
    return deploy(vertx, config, Options.defaults());
  }

  public static Future<OrchestratorSuite> deploy(Vertx vertx, OrchestratorConfig config, Options options) {
    OrchestratorSuite suite;
    AgentProcessor processor;
    try {
      suite = new OrchestratorSuite(vertx, config, options);
      processor = options.processor() != null ? options.processor() : AgentProcessors.create(vertx, config);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return suite.start(processor, options);
  }

  private Future<OrchestratorSuite> start(AgentProcessor processor, Options options) {
    ownsJournal = options.journal() == null;
    clock = options.clock();
    lifecycle.watchCluster(options.cluster() != null ? clusterReadiness(options.clusterCheck())
      : options.clusterCheck());
    // Cluster mode: the nodes share the PostgreSQL schema (one node per schema otherwise).
    Future<Journal> opened = ownsJournal
      ? Journals.open(vertx, config.journal(), config.dedupWindow(), config.dedupMaxEntries(), config.cluster().enabled())
      : Future.succeededFuture(options.journal());
    return opened.compose(journal -> {
      this.journal = journal;
      lifecycle.watch(journal);
      JournalMetrics.register(metrics.registry(), journal);
      long recoveryStart = System.nanoTime();
      if (options.cluster() != null) {
        if (!(journal instanceof PostgresJournal shared)) {
          return Future.failedFuture(new IllegalStateException("cluster mode needs journal.type=postgres"));
        }
        // Each shard's owner recovers the shard's work when it takes it; rows a single node left without a shard get
        // theirs first, so that those recoveries find them.
        return shared.adoptUnshardedMessages((account, contactId) ->
            ContactIds.shardOf(Accounts.conversationKey(account, contactId), shardCount))
          .compose(adopted -> start(processor, options, new Recovery(List.of(), List.of()), recoveryStart));
      }
      return journal.recover().compose(recovery -> recentHistory(journal).compose(history -> {
        this.recoveredHistory = history;
        return start(processor, options, recovery, recoveryStart);
      }));
    }).recover(failure -> closeJournal().transform(ignored -> Future.failedFuture(failure)));
  }

  /**
   * V4: the conversations' recent history, read once at start from a journal that keeps no index for it (SQLite);
   * bounded by {@code agent.historySize} per conversation and {@link ConversationHistory#MAX_CONVERSATIONS_PER_NODE}
   * conversations. None with history off.
   */
  private Future<List<HistoryTurn>> recentHistory(Journal journal) {
    int size = config.conversation().historySize();
    if (size == 0) {
      return Future.succeededFuture(List.of());
    }
    long kept = Math.max(config.dedupWindow(), config.journal().retention());
    return journal.recentHistory(size, ConversationHistory.MAX_CONVERSATIONS_PER_NODE,
      kept > 0 ? System.currentTimeMillis() - kept : Long.MIN_VALUE);
  }

  private Future<OrchestratorSuite> start(AgentProcessor processor, Options options, Recovery recovery,
                                          long recoveryStart) {
    List<List<HistoryTurn>> historyByShard = new ArrayList<>();
    for (int shard = 0; shard < shardCount; shard++) {
      historyByShard.add(new ArrayList<>());
    }
    for (HistoryTurn turn : recoveredHistory) {
      historyByShard.get(ContactIds.shardOf(Accounts.conversationKey(turn.account(), turn.contactId()), shardCount))
        .add(turn);
    }
    recoveredHistory = List.of();
    List<List<JournalEntry>> recoveredByShard = new ArrayList<>();
    for (int shard = 0; shard < shardCount; shard++) {
      recoveredByShard.add(new ArrayList<>());
    }
    List<List<ContactPause>> pausesByShard = new ArrayList<>();
    for (int shard = 0; shard < shardCount; shard++) {
      pausesByShard.add(new ArrayList<>());
    }
    for (ContactPause pause : recovery.pauses()) {
      pausesByShard.get(ContactIds.shardOf(Accounts.conversationKey(pause.account(), pause.contactId()), shardCount))
        .add(pause);
    }
    Set<String> recoveredContacts = new HashSet<>();
    for (JournalEntry entry : recovery.unfinished()) {
      String key = Accounts.conversationKey(entry.account(), entry.contactId());
      recoveredByShard.get(ContactIds.shardOf(key, shardCount)).add(entry);
      recoveredContacts.add(key);
    }
    EventJsonCodec.register(vertx);
    LocalCodec.register(vertx, AgentTask.class);
    LocalCodec.register(vertx, ProcessRequest.class);
    LocalCodec.register(vertx, ProcessResult.class);
    if (options.cluster() != null) {
      eventOrigin = EventOrigin.stamp(vertx, options.cluster().memberAddress());
    }
    GlobalConcurrencyLimit limit = new GlobalConcurrencyLimit(config.maxConcurrentContacts());
    String nodeId = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36, 36L * 36 * 36 * 36
      * 36 * 36), 36);
    // One circuit for the node's worker instances: the agent is one service, unavailable to all of them at once.
    AgentCircuit circuit = AgentCircuit.create(vertx, config.circuit(), metrics.registry());
    Future<String> workers = vertx.deployVerticle(
      () -> new AgentWorkerVerticle(processor, config.maxConcurrentContacts(), circuit),
      new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD)
        .setInstances(config.processor().workerInstances()));
    return workers
      .compose(id -> {
        workerDeployment = id;
        // Before the shards: recovered messages may finish at once, and their messageProcessed must find delivery
        // listening. Exactly one instance: it consumes a published event, and per-contact reply order needs one
        // owner. The journal's undelivered replies go first (J5).
        outbound = new OutboundVerticle(config.outbound(), config.shutdownGracePeriod(), metrics.registry(), null,
          journal, recovery.replies(), config.handoff().pauseOnBusinessReply() ? shardCount : 0);
        return vertx.deployVerticle(outbound);
      })
      .compose(id -> {
        outboundDeployment = id;
        if (options.cluster() != null) {
          return Future.succeededFuture(); // the shards come with their ownership, once the rest is up
        }
        List<Future<String>> deployments = new ArrayList<>();
        for (int index = 0; index < shardCount; index++) {
          ShardVerticle shard = new ShardVerticle(index, shardCount, config, limit, metrics, lifecycle,
            options.clock(), nodeId, journal, recoveredByShard.get(index), pausesByShard.get(index))
            .withHistory(historyByShard.get(index));
          shards.add(shard);
          deployments.add(vertx.deployVerticle(shard));
        }
        return Future.all(deployments).onSuccess(all -> {
          shardDeployments.addAll(all.list());
          reportRecovery(recovery, recoveredContacts.size(), recoveryStart);
        });
      })
      .compose(v -> vertx.deployVerticle(new AdminVerticle(shardCount, config, metrics, limit,
        options.cluster() != null ? options.cluster().memberAddress() : null)))
      .compose(id -> {
        adminDeployment = id;
        // One instance: it keeps the replays under way, so a dead letter is never submitted twice at once.
        return vertx.deployVerticle(new JournalAdminVerticle(journal, shardCount));
      })
      .compose(id -> {
        journalAdminDeployment = id;
        if (options.cluster() != null) {
          // Every node serves the public process address (shard 0 moves); readiness is the cluster check's.
          return vertx.deployVerticle(new ProcessEntryVerticle(shardCount,
            config.lockTimeout() + config.processingTimeout() + 30_000));
        }
        ShardHealth health = new ShardHealth(shardCount);
        lifecycle.watch(health);
        return vertx.deployVerticle(health);
      })
      .compose(id -> {
        healthDeployment = id;
        if (!options.http()) {
          return Future.succeededFuture();
        }
        int instances = config.http().instances() > 0 ? config.http().instances() : eventLoopCount();
        return vertx.deployVerticle(() -> new HttpVerticle(config, client, lifecycle, metrics.registry(),
            streamedEvents(), httpPort::set), new DeploymentOptions().setInstances(config.http().port() == 0 ? 1 : instances))
          .onSuccess(id2 -> httpDeployment = id2);
      })
      .compose(v -> options.cluster() == null ? Future.succeededFuture()
        : startOwnership(options.cluster(), limit, nodeId, options.clock()))
      .map(v -> {
        purgeTimer = vertx.setPeriodic(Math.clamp(keptFinishedMs() / 4, PURGE_INTERVAL_MIN_MS, PURGE_INTERVAL_MAX_MS),
          id -> purgeFinished());
        lifecycle.markReady();
        LOG.info("message-orchestrator ready: {} shards, processor '{}'{}", shardCount, config.processor().type(),
          httpPort.get() >= 0 ? ", HTTP on port " + httpPort.get() : "");
        return this;
      })
      .recover(failure -> undeployAll().transform(ignored -> Future.failedFuture(failure)));
  }

  /**
   * Graceful shutdown (R11): readiness goes down and new messages are refused, shards drain for up to
   * {@code shutdownGracePeriod} and discard the rest, then {@code cleanupComplete} is published and the workers and
   * the HTTP server stop. Completes with {@code {locksReleased, messagesDropped, messagesKept}}; idempotent.
   */
  public synchronized Future<JsonObject> stop() {
    if (stopped == null) {
      lifecycle.beginDraining();
      // Cluster mode: the ownership hands every shard off (drained like below, the rest left in the journal for the
      // next owners) and leaves; a single node drains its shards.
      Future<?> handedOff = ownershipDeployment == null ? Future.succeededFuture() : undeploy(ownershipDeployment);
      stopped = handedOff.transform(ignored -> Future.all(shards.stream().map(ShardVerticle::drain).toList()))
        .map(all -> {
          JsonObject total = new JsonObject().put("locksReleased", 0).put("messagesDropped", 0)
            .put("messagesKept", 0);
          for (Object part : all.list()) {
            JsonObject shard = (JsonObject) part;
            total.put("locksReleased", total.getInteger("locksReleased") + shard.getInteger("locksReleased"));
            total.put("messagesDropped", total.getInteger("messagesDropped") + shard.getInteger("messagesDropped"));
            total.put("messagesKept", total.getInteger("messagesKept") + shard.getInteger("messagesKept"));
          }
          vertx.eventBus().publish(Addresses.event(Events.CLEANUP_COMPLETE), total.copy()
            .put("timestamp", System.currentTimeMillis()));
          LOG.info("Orchestrator stopped: {}", total.encode());
          return total;
        })
        // The outbound verticle delivers the drained messages' replies (within its own grace) before the rest goes.
        .compose(total -> undeploy(outboundDeployment).transform(ignored -> undeployAll().map(total)))
        .compose(total -> closeJournal().transform(ignored -> Future.succeededFuture(total)));
    }
    return stopped;
  }

  /** J5: one event and one log line say what the journal gave back at start. */
  private void reportRecovery(Recovery recovery, int contacts, long startNanos) {
    long ms = (System.nanoTime() - startNanos) / 1_000_000;
    if (journal.durable()) {
      LOG.info("Journal ({}) recovered {} unfinished messages of {} contacts and {} undelivered replies in {} ms",
        journal.type(), recovery.unfinished().size(), contacts, recovery.replies().size(), ms);
    }
    vertx.eventBus().publish(Addresses.event(Events.JOURNAL_RECOVERED), new JsonObject()
      .put("messages", recovery.unfinished().size()).put("replies", recovery.replies().size())
      .put("contacts", contacts).put("ms", ms), EventJsonCodec.DELIVERY);
  }

  /**
   * J8: finished messages are kept {@code max(dedupWindow, journal.retention)}, then deleted in small batches off
   * the hot path (the journal does the work on its own thread or connection).
   */
  private void purgeFinished() {
    long keep = keptFinishedMs();
    long now = journal.durable() ? System.currentTimeMillis() : clock.getAsLong();
    journal.purge(now - keep, PURGE_BATCH)
      .onSuccess(purged -> {
        if (purged == PURGE_BATCH) {
          vertx.setTimer(PURGE_PAUSE_MS, id -> purgeFinished()); // more to do: the next batch after a pause
        }
      })
      .onFailure(failure -> LOG.warn("Journal purge failed: {}", failure.getMessage()));
  }

  /** How long a finished message stays in the journal: {@code max(dedupWindow, journal.retention)}. */
  private long keptFinishedMs() {
    return Math.max(config.dedupWindow(), config.journal().retention());
  }

  private Future<Void> closeJournal() {
    if (purgeTimer >= 0) {
      vertx.cancelTimer(purgeTimer);
      purgeTimer = -1;
    }
    Journal toClose = journal;
    journal = null;
    return toClose != null && ownsJournal ? toClose.close() : Future.succeededFuture();
  }

  /**
   * Cluster mode: the node's shards come from {@link ShardOwnership}; each is started by {@link ClusteredShards} with
   * its journal view fenced by its epoch.
   */
  private Future<Void> startOwnership(ClusterNode node, GlobalConcurrencyLimit limit, String nodeId,
                                      LongSupplier clock) {
    // Process ids "<node>.<epoch>-<shard>-<n>": n starts again each time the shard starts here.
    ClusteredShards host = new ClusteredShards(vertx, (PostgresJournal) journal, (index, epoch, view, recovery) ->
      new ShardVerticle(index, shardCount, config, limit, metrics, lifecycle, clock, nodeId + "." + epoch, view,
        recovery.unfinished(), recovery.pauses()), outbound);
    ShardOwnership ownership = new ShardOwnership(node, (PostgresJournal) journal, host,
      ShardOwnership.Options.defaults(shardCount));
    host.ownedBy(ownership);
    return vertx.deployVerticle(ownership).onSuccess(id -> {
      ownershipDeployment = id;
      this.ownership = ownership;
    }).mapEmpty();
  }

  /**
   * Cluster mode's readiness check: the node's membership ({@code cluster}'s own check) with, under {@code shards},
   * what the ownership shows — the shards assigned to this node, those it runs (with their epochs), those moving.
   */
  private Handler<Promise<Status>> clusterReadiness(Handler<Promise<Status>> membership) {
    return promise -> {
      Promise<Status> checked = Promise.promise();
      membership.handle(checked);
      checked.future().onComplete(done -> {
        Status status = done.succeeded() ? done.result() : Status.KO(new JsonObject()
          .put("problem", String.valueOf(done.cause())));
        ShardOwnership running = ownership;
        if (running == null) {
          promise.complete(status);
          return;
        }
        running.status().onComplete(shards -> {
          if (shards.succeeded() && status.getData() != null) {
            status.getData().put("shards", shards.result());
            String problem = shards.result().getString("problem");
            if (problem != null) { // out of the cluster's work: no shard runs here for now
              promise.complete(Status.KO(status.getData().put("problem", problem)));
              return;
            }
          }
          promise.complete(status);
        });
      });
    };
  }

  private Future<Void> undeployAll() {
    List<String> ids = new ArrayList<>(shardDeployments);
    if (ownershipDeployment != null) {
      ids.add(ownershipDeployment);
    }
    ids.addAll(Arrays.asList(adminDeployment, journalAdminDeployment, healthDeployment, outboundDeployment, workerDeployment,
      httpDeployment));
    return Future.join(ids.stream().map(this::undeploy).toList()).onComplete(done -> {
      if (eventOrigin != null) {
        eventOrigin.stop();
        eventOrigin = null;
      }
    }).mapEmpty();
  }

  private Future<Void> undeploy(String deploymentId) {
    return deploymentId != null && vertx.deploymentIDs().contains(deploymentId)
      ? vertx.undeploy(deploymentId) : Future.succeededFuture();
  }

  /** Every event the admin SSE stream relays: the orchestrator's, the outbound's and provider statuses. */
  static List<String> streamedEvents() {
    List<String> events = new ArrayList<>(Events.ALL);
    events.addAll(List.of(OutboundEvents.REPLY_DELIVERED, OutboundEvents.REPLY_FAILED, OutboundEvents.REPLY_SKIPPED,
      WebhookRoutes.STATUS_EVENT));
    return events;
  }

  /**
   * Cluster mode: what this node's shard ownership shows (readiness's {@code shards}: members, plan, shards
   * assigned, owned with epochs, moving); fails on a single node.
   */
  public Future<JsonObject> shardOwnership() {
    ShardOwnership running = ownership;
    return running == null ? Future.failedFuture(new IllegalStateException("not in cluster mode"))
      : running.status();
  }

  public OrchestratorClient client() {
    return client;
  }

  public OrchestratorConfig config() {
    return config;
  }

  public OrchestratorMetrics metrics() {
    return metrics;
  }

  /** The journal the shards write to (open until the suite stopped). */
  public Journal journal() {
    return journal;
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  public int shardCount() {
    return shardCount;
  }

  /** The bound HTTP port (useful with {@code http.port = 0}), or -1 without HTTP. */
  public int httpPort() {
    return httpPort.get();
  }

  /**
   * One event loop per core, as {@link Main} configures Vert.x: every message crosses several verticles, and with
   * more loops than cores those hand-offs become thread wake-ups (measured: fanout +15–60 % on 2 cores with 2 loops
   * instead of Vert.x's default 4).
   */
  static int eventLoopCount() {
    return Runtime.getRuntime().availableProcessors();
  }
}
