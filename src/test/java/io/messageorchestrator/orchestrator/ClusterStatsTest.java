package io.messageorchestrator.orchestrator;

import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Suites;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * K6: a clustered node's statistics while shards move. Shard 0 answers, shard 1's owner is frozen (its consumer never
 * answers), shard 2 is between owners (no consumer at all): the statistics come with shard 0's conversations, name
 * the node and the shards left out, instead of failing — a single node's still fail (a shard that does not answer
 * there is a stuck event loop, not a move).
 */
@DisplayName("cluster mode: /stats while shards move")
class ClusterStatsTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  private void deployAdmin(String node) {
    OrchestratorConfig config = OrchestratorConfig.from(Suites.baseConfig());
    Await.result(vertx.deployVerticle(new AdminVerticle(3, config, new OrchestratorMetrics(new SimpleMeterRegistry()),
      new GlobalConcurrencyLimit(4), node)));
    Await.result(vertx.eventBus().<JsonObject>consumer(Addresses.shard(0, "stats"),
      request -> request.reply(shardStats("ops-1"))).completion());
    Await.result(vertx.eventBus().<JsonObject>consumer(Addresses.shard(1, "stats"), request -> {
      // frozen: never answers
    }).completion());
  }

  @Test
  @DisplayName("a clustered node answers with the shards that answered, its node, and the shards left out")
  void clusteredNodeLeavesOutShardsThatDoNotAnswer() {
    deployAdmin("127.0.0.1:5701");
    long start = System.nanoTime();
    JsonObject stats = Await.result(vertx.eventBus().<JsonObject>request(Addresses.STATS, new JsonObject())
      .map(Message::body), 60);
    assertThat(stats.getString("node")).isEqualTo("127.0.0.1:5701");
    assertThat(stats.getInteger("shards")).isEqualTo(3);
    assertThat(stats.getInteger("shardsAnswered")).isEqualTo(1);
    assertThat(stats.getJsonArray("unansweredShards")).isEqualTo(new JsonArray(List.of(1, 2)));
    assertThat(stats.getLong("activeContactCount")).isEqualTo(1);
    assertThat(stats.getJsonArray("activeContacts").getJsonObject(0).getString("contactId")).isEqualTo("ops-1");
    assertThat((System.nanoTime() - start) / 1_000_000).as("waited for the frozen shard, within its bound")
      .isGreaterThanOrEqualTo(AdminVerticle.CLUSTER_SHARD_TIMEOUT_MS - 100);
  }

  @Test
  @DisplayName("a single node's statistics fail when a shard does not answer, and name no node")
  void singleNodeStillFails() {
    deployAdmin(null);
    Throwable failure = Await.failure(vertx.eventBus().request(Addresses.STATS, new JsonObject()));
    assertThat(failure).isNotNull();
  }

  /** What a shard answers to {@code stats}, with one conversation processing. */
  private static JsonObject shardStats(String contactId) {
    return new JsonObject().put("currentlyProcessing", 1).put("totalQueued", 0)
      .put("activeContacts", new JsonArray().add(new JsonObject().put("contactId", contactId).put("leaseAgeMs", 10)))
      .put("activeContactCount", 1).put("contactsWithQueues", 0).put("pausedContacts", 0).put("heldMessages", 0)
      .put("coalescingMessages", 0).put("rateLimited", 0).put("dailyLimited", 0).put("historyConversations", 0)
      .put("historyLoadFailures", 0).put("queueDetails", new JsonArray()).put("rememberedContacts", 1);
  }
}
