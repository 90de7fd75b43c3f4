package io.messageorchestrator.orchestrator;

import io.messageorchestrator.journal.Journal;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;

import java.util.List;

/**
 * Node-wide readiness and shutdown state shared by the verticles of one suite: once draining starts, shards refuse
 * new messages ({@code shutting_down}) and readiness reports down; readiness is also down while a shard's event loop
 * does not answer ({@link ShardHealth}).
 */
public final class Lifecycle {
  private volatile boolean ready;
  private volatile boolean draining;
  private volatile ShardHealth shardHealth;
  private volatile Journal journal;
  private volatile Handler<Promise<Status>> clusterCheck;

  public boolean isReady() {
    return ready && !draining && unresponsiveShards().isEmpty();
  }

  /** Shards whose event loop missed its readiness pings (empty before the suite is up). */
  public List<Integer> unresponsiveShards() {
    ShardHealth health = shardHealth;
    return health == null ? List.of() : health.unresponsiveShards();
  }

  /** Readiness follows these shards' answers from now on. */
  public void watch(ShardHealth health) {
    shardHealth = health;
  }

  /** Readiness also asks this journal whether it can write (J2, J8). */
  public void watch(Journal watched) {
    journal = watched;
  }

  /** The journal's health: its details, or a failure when it cannot write (disk full, broken file, database down). */
  public Future<JsonObject> journalHealth() {
    Journal watched = journal;
    return watched == null ? Future.succeededFuture(new JsonObject().put("type", "none")) : watched.health();
  }

  /** Cluster mode: readiness also shows this check of the node's membership; {@code null}: a single node. */
  public void watchCluster(Handler<Promise<Status>> check) {
    clusterCheck = check;
  }

  /** The membership check readiness shows, or {@code null} for a single node. */
  public Handler<Promise<Status>> clusterCheck() {
    return clusterCheck;
  }

  public boolean isDraining() {
    return draining;
  }

  public void markReady() {
    ready = true;
  }

  public void beginDraining() {
    draining = true;
  }
}
