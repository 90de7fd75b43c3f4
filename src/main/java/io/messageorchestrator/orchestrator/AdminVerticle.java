package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.WireFormat;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Node-wide operations that span shards: statistics, contact status, emergency unlock and deadlock resolution.
 * One-contact requests go to the owning shard; the others fan out to every shard and merge the answers.
 *
 * <p>Cluster mode (K6): every node runs one, serving its own node's callers (local consumers); the shards it asks
 * are every shard of the cluster, each answered by its owner wherever it runs ({@code orchestrator.shard.<i>.*} are
 * cluster-wide). So the conversations' part of the statistics (active contacts, queues, pauses...) and the
 * per-contact operations are the cluster's, whichever node is asked; the counters (totals, timings, uptime, memory,
 * concurrency) are this node's — its shards' work, like its {@code /metrics} — and {@code node} says which node.
 * A shard moving between nodes has no one to answer for a moment: the statistics leave it out (listed in
 * {@code unansweredShards}) rather than fail.
 */
public final class AdminVerticle extends VerticleBase {
  private final int shardCount;
  private final OrchestratorConfig config;
  private final OrchestratorMetrics metrics;
  private final GlobalConcurrencyLimit limit;
  /** Cluster mode: this node's member address ({@code host:port}); {@code null} for a single node. */
  private final String node;
  /** A pause asked for by an operator lasts from a second to a year. */
  static final long MIN_PAUSE_MS = 1_000;
  static final long MAX_PAUSE_MS = 365L * 86_400_000;
  static final int MAX_REASON = 500;
  /** Cluster mode: how long the statistics wait for a shard (its owner may be frozen, not yet evicted). */
  static final long CLUSTER_SHARD_TIMEOUT_MS = 5_000;

  public AdminVerticle(int shardCount, OrchestratorConfig config, OrchestratorMetrics metrics,
                       GlobalConcurrencyLimit limit) {
    this(shardCount, config, metrics, limit, null);
  }

  /** @param node cluster mode: this node's member address, shown in the statistics; {@code null} for a single node */
  public AdminVerticle(int shardCount, OrchestratorConfig config, OrchestratorMetrics metrics,
                       GlobalConcurrencyLimit limit, String node) {
    this.shardCount = shardCount;
    this.config = config;
    this.metrics = metrics;
    this.limit = limit;
    this.node = node;
  }

  @Override
  public Future<?> start() {
    // Local consumers: on a clustered bus a cluster-wide one would take requests round robin with the other nodes'
    // admin verticles, so /stats would show a random node's counters. Every node runs its own; what spans the
    // cluster is reached through the shards' cluster-wide addresses.
    List<MessageConsumer<JsonObject>> consumers = new ArrayList<>(List.of(
      vertx.eventBus().localConsumer(Addresses.STATS, request -> reply(request, stats())),
      vertx.eventBus().localConsumer(Addresses.CONTACT_STATUS, this::onContactStatus),
      vertx.eventBus().localConsumer(Addresses.UNLOCK, this::onUnlock),
      vertx.eventBus().localConsumer(Addresses.CONTACT_PAUSE, this::onPause),
      vertx.eventBus().localConsumer(Addresses.CONTACT_RESUME, this::onResume),
      vertx.eventBus().localConsumer(Addresses.BUSINESS_MESSAGE, this::onBusinessMessage),
      vertx.eventBus().localConsumer(Addresses.RESOLVE_DEADLOCKS, request -> reply(request,
        sumOverShards("deadlocks", "resolved").map(n -> new JsonObject().put("resolved", n))))));
    // Events' consumers that count or act are local (here, AgentFailureLog, OutboundVerticle): in a cluster another
    // node's events reach only cluster-wide consumers, so each event is counted once, by the node that published it.
    // Provider delivery statuses (published by the webhooks) are counted, never processed.
    consumers.add(vertx.eventBus().localConsumer(Addresses.event(Events.STATUS_RECEIVED),
      status -> metrics.statusReceived()));
    consumers.addAll(new AgentFailureLog(System::nanoTime).register(vertx.eventBus()));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void onContactStatus(Message<JsonObject> request) {
    String contactId = ContactIds.optional(request.body());
    if (contactId == null) {
      request.fail(400, "contactId is required");
      return;
    }
    toConversationOf(request, contactId, "status");
  }

  /** Sends {@code request} to the shard of its conversation ({@code account}, default if absent; 400 if invalid). */
  private void toConversationOf(Message<JsonObject> request, String contactId, String operation) {
    String account;
    try {
      account = Accounts.require(request.body().getValue("account"));
    } catch (InvalidRequestException e) {
      request.fail(400, e.getMessage());
      return;
    }
    reply(request, toConversationShard(account, contactId, operation, request.body().copy().put("account", account)));
  }

  /** V3: {@code {contactId, account?, ttl?, reason?}} → the conversation's shard, by {@code operator}. */
  private void onPause(Message<JsonObject> request) {
    JsonObject pause;
    try {
      JsonObject body = requireObject(request.body());
      String contactId = ContactIds.require(body.getValue("contactId"), "contactId");
      String account = Accounts.require(body.getValue("account"));
      Object ttl = body.getValue("ttl");
      if (ttl != null && !(ttl instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
        && number.longValue() >= MIN_PAUSE_MS && number.longValue() <= MAX_PAUSE_MS)) {
        throw new InvalidRequestException("ttl", "ttl must be a whole number of milliseconds from " + MIN_PAUSE_MS
          + " to " + MAX_PAUSE_MS + ", got " + ttl);
      }
      Object reason = body.getValue("reason");
      if (reason != null && !(reason instanceof String text && text.length() <= MAX_REASON)) {
        throw new InvalidRequestException("reason", "reason must be a string of at most " + MAX_REASON
          + " characters");
      }
      pause = new JsonObject().put("contactId", contactId).put("account", account)
        .put("ttl", ttl == null ? config.handoff().pauseTtl() : ((Number) ttl).longValue())
        .put("reason", reason).put("by", "operator");
    } catch (InvalidRequestException e) {
      request.fail(400, e.getMessage());
      return;
    }
    reply(request, toConversationShard(pause.getString("account"), pause.getString("contactId"), "pause", pause));
  }

  /** V3: {@code {contactId, account?}}. */
  private void onResume(Message<JsonObject> request) {
    JsonObject resume;
    try {
      JsonObject body = requireObject(request.body());
      resume = new JsonObject().put("contactId", ContactIds.require(body.getValue("contactId"), "contactId"))
        .put("account", Accounts.require(body.getValue("account"))).put("by", "operator")
        .put("reason", "resumed by an operator");
    } catch (InvalidRequestException e) {
      request.fail(400, e.getMessage());
      return;
    }
    reply(request, toConversationShard(resume.getString("account"), resume.getString("contactId"), "resume", resume));
  }

  /** V3: {@code {contactId, account?, providerMessageId?, text?}} from the webhooks. */
  private void onBusinessMessage(Message<JsonObject> request) {
    JsonObject message;
    try {
      JsonObject body = requireObject(request.body());
      Object providerMessageId = body.getValue("providerMessageId");
      Object text = body.getValue("text");
      if (providerMessageId != null && !(providerMessageId instanceof String)
        || text != null && !(text instanceof String)) {
        throw new InvalidRequestException("text", "providerMessageId and text must be strings");
      }
      message = new JsonObject().put("contactId", ContactIds.require(body.getValue("contactId"), "contactId"))
        .put("account", Accounts.require(body.getValue("account"))).put("providerMessageId", providerMessageId)
        .put("text", text);
    } catch (InvalidRequestException e) {
      request.fail(400, e.getMessage());
      return;
    }
    reply(request, toConversationShard(message.getString("account"), message.getString("contactId"),
      "businessMessage", message));
  }

  private static JsonObject requireObject(JsonObject body) {
    if (body == null) {
      throw new InvalidRequestException("contactId", "request body must be an object with a contactId");
    }
    return body;
  }

  private Future<JsonObject> toConversationShard(String account, String contactId, String operation,
                                                 JsonObject body) {
    int shard = ContactIds.shardOf(Accounts.conversationKey(account, contactId), shardCount);
    return vertx.eventBus().<JsonObject>request(Addresses.shard(shard, operation), WireFormat.stamp(body))
      .map(Message::body);
  }

  private void onUnlock(Message<JsonObject> request) {
    if (request.body() != null && request.body().getValue("contactId") != null
      && !(request.body().getValue("contactId") instanceof String)) {
      request.fail(400, "contactId must be a string");
      return;
    }
    String contactId = ContactIds.optional(request.body());
    if (contactId == null) {
      reply(request, sumOverShards("unlock", "unlocked").map(n -> new JsonObject().put("unlocked", n)));
      return;
    }
    toConversationOf(request, contactId, "unlock"); // by (account, contact), like every per-conversation operation
  }

  private Future<List<JsonObject>> allShards(String operation) {
    List<Future<JsonObject>> answers = IntStream.range(0, shardCount)
      .mapToObj(shard -> vertx.eventBus().<JsonObject>request(Addresses.shard(shard, operation),
        WireFormat.stamp(new JsonObject()))
        .map(Message::body))
      .toList();
    return Future.all(answers).map(all -> all.<JsonObject>list());
  }

  /**
   * Cluster mode: the answers of the shards that answered within {@link #CLUSTER_SHARD_TIMEOUT_MS}; the others
   * (moving between nodes, or their owner frozen) are added to {@code unanswered}.
   */
  private Future<List<JsonObject>> answeringShards(String operation, JsonArray unanswered) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(CLUSTER_SHARD_TIMEOUT_MS);
    List<Future<JsonObject>> answers = IntStream.range(0, shardCount)
      .mapToObj(shard -> vertx.eventBus().<JsonObject>request(Addresses.shard(shard, operation),
        WireFormat.stamp(new JsonObject()), options).map(Message::body))
      .toList();
    return Future.join(answers).transform(done -> {
      List<JsonObject> answered = new ArrayList<>();
      for (int shard = 0; shard < shardCount; shard++) {
        if (answers.get(shard).succeeded()) {
          answered.add(answers.get(shard).result());
        } else {
          unanswered.add(shard);
        }
      }
      return Future.succeededFuture(answered);
    });
  }

  private Future<Integer> sumOverShards(String operation, String field) {
    return allShards(operation).map(answers -> answers.stream().mapToInt(answer -> answer.getInteger(field)).sum());
  }

  /** The original's statistics, with exact totals and lists capped to {@code statsListLimit} (largest first). */
  private Future<JsonObject> stats() {
    JsonArray unanswered = new JsonArray();
    return (node == null ? allShards("stats") : answeringShards("stats", unanswered)).map(shards -> {
      long processed = metrics.count(Outcome.PROCESSED);
      long failed = metrics.count(Outcome.FAILED);
      long timedOut = metrics.count(Outcome.TIMED_OUT);
      long attempts = processed + failed + timedOut;
      long uptime = metrics.uptimeMillis();
      JsonObject rejected = new JsonObject();
      for (RejectReason reason : RejectReason.values()) {
        rejected.put(reason.label(), metrics.rejectedCount(reason));
      }
      JsonObject percentiles = new JsonObject();
      metrics.processingPercentiles().forEach((name, value) -> percentiles.put(name, round(value)));
      JsonObject stats = new JsonObject()
        .put("totalProcessed", processed)
        .put("totalErrors", failed + timedOut)
        .put("totalDeadlocks", metrics.deadlockCount())
        .put("totalTimeouts", timedOut)
        .put("successRate", attempts == 0 ? 100.0 : round(100.0 * processed / attempts))
        .put("averageProcessingTime", round(metrics.averageProcessingTime()))
        .put("processingTimePercentiles", percentiles)
        .put("currentlyProcessing", sum(shards, "currentlyProcessing"))
        .put("totalQueued", sum(shards, "totalQueued"))
        .put("activeContacts", merge(shards, "activeContacts",
          Comparator.comparingLong((JsonObject entry) -> entry.getLong("leaseAgeMs")).reversed()))
        .put("activeContactCount", sum(shards, "activeContactCount"))
        .put("contactsWithQueues", sum(shards, "contactsWithQueues"))
        .put("pausedContacts", sum(shards, "pausedContacts"))
        .put("heldMessages", sum(shards, "heldMessages"))
        .put("coalescingMessages", sum(shards, "coalescingMessages"))
        .put("totalCoalesced", metrics.count(Outcome.COALESCED_INTO))
        .put("rateLimited", sum(shards, "rateLimited"))
        .put("dailyLimited", sum(shards, "dailyLimited"))
        .put("historyConversations", sum(shards, "historyConversations"))
        .put("historyLoadFailures", sum(shards, "historyLoadFailures"))
        .put("queueDetails", merge(shards, "queueDetails",
          Comparator.comparingInt((JsonObject entry) -> entry.getInteger("queueSize")).reversed()))
        .put("uptime", uptime)
        .put("uptimeFormatted", formatDuration(uptime))
        .put("memoryUsage", memoryUsage())
        .put("config", config.toStatsJson())
        .put("totalReceived", metrics.receivedCount())
        .put("totalDuplicates", metrics.duplicateCount())
        .put("totalRejected", rejected)
        .put("totalDropped", metrics.count(Outcome.DROPPED))
        .put("totalDiscardedOnShutdown", metrics.count(Outcome.DISCARDED_ON_SHUTDOWN))
        .put("lateResultsDiscarded", metrics.lateResultCount())
        .put("rememberedContacts", sum(shards, "rememberedContacts"))
        .put("contactsEvicted", metrics.evictedCount())
        .put("totalStatusUpdates", metrics.statusUpdateCount())
        .put("concurrency", new JsonObject().put("limit", limit.limit()).put("inUse", limit.inUse())
          .put("waiting", limit.waiting()))
        .put("shards", shardCount);
      if (node != null) {
        // Cluster mode: whose counters these are, and which shards' conversations are left out (moving, or frozen).
        stats.put("node", node).put("shardsAnswered", shards.size()).put("unansweredShards", unanswered);
      }
      return stats;
    });
  }

  private JsonArray merge(List<JsonObject> shards, String field, Comparator<JsonObject> order) {
    List<JsonObject> entries = new ArrayList<>();
    shards.forEach(shard -> shard.getJsonArray(field).forEach(entry -> entries.add((JsonObject) entry)));
    return new JsonArray(new ArrayList<>(entries.stream().sorted(order).limit(config.statsListLimit()).toList()));
  }

  private static long sum(List<JsonObject> shards, String field) {
    return shards.stream().mapToLong(shard -> shard.getLong(field)).sum();
  }

  private static JsonObject memoryUsage() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
    return new JsonObject().put("heapUsed", heap.getUsed()).put("heapTotal", heap.getCommitted())
      .put("heapMax", heap.getMax()).put("nonHeapUsed", nonHeap.getUsed());
  }

  static String formatDuration(long millis) {
    long seconds = millis / 1000;
    long days = seconds / 86_400;
    long hours = seconds % 86_400 / 3_600;
    long minutes = seconds % 3_600 / 60;
    StringBuilder text = new StringBuilder();
    if (days > 0) {
      text.append(days).append("d ");
    }
    if (days > 0 || hours > 0) {
      text.append(hours).append("h ");
    }
    return text.append(minutes).append("m ").append(seconds % 60).append('s').toString();
  }

  private static double round(double value) {
    return Double.isNaN(value) ? 0 : Math.round(value * 100) / 100.0;
  }

  /** A shard's own refusal code (400, 503) passes through; anything else (no answer) is a 500. */
  private static void reply(Message<JsonObject> request, Future<JsonObject> answer) {
    answer.onSuccess(request::reply).onFailure(failure -> request.fail(
      failure instanceof ReplyException refused && refused.failureCode() > 0 ? refused.failureCode() : 500,
      failure.getMessage()));
  }
}
