package io.messageorchestrator.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.ext.healthchecks.Status;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * This process as a member of the cluster: the clustered Vert.x it runs on and what readiness shows of the
 * membership. Closing the Vert.x ({@code vertx.close()}) leaves the cluster: Vert.x removes the node's event-bus
 * registrations and shuts its Hazelcast member down gracefully, so the others see it leave at once instead of after
 * the failure-detection delay.
 */
public final class ClusterNode {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

  private final Vertx vertx;
  private final HazelcastClusterManager manager;
  private final ClusterSettings settings;

  private ClusterNode(Vertx vertx, HazelcastClusterManager manager, ClusterSettings settings) {
    this.vertx = vertx;
    this.manager = manager;
    this.settings = settings;
  }

  /**
   * Starts a clustered Vert.x on {@code options} (whose event bus options this sets: {@link ClusterConfigs#eventBus})
   * and joins the cluster {@code settings} describe. Fails with a {@link ClusterStartException} naming the settings
   * involved (a busy member or event-bus port, an unreadable TLS file...).
   *
   * @param metrics the metrics of the Vert.x, or {@code null} for none
   */
  public static Future<ClusterNode> join(ClusterSettings settings, VertxOptions options, VertxMetricsFactory metrics) {
    // Hazelcast reads its logging type from this property before it reads its Config; the Config sets it as well.
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    HazelcastClusterManager manager;
    Future<Vertx> built;
    try {
      manager = new HazelcastClusterManager(ClusterConfigs.hazelcast(settings));
      VertxBuilder builder = Vertx.builder()
        // Not a copy (new VertxOptions(options)): the copy keeps only the base class of the metrics options, which
        // loses Micrometer's Prometheus settings.
        .with(options.setEventBusOptions(ClusterConfigs.eventBus(settings)))
        .withClusterManager(manager);
      if (metrics != null) {
        builder.withMetrics(metrics);
      }
      built = builder.buildClustered();
    } catch (RuntimeException e) { // e.g. the JVM is shutting down
      return Future.failedFuture(new ClusterStartException(describe(settings) + ": " + e.getMessage(), e));
    }
    return built
      .recover(failure -> Future.failedFuture(new ClusterStartException(describe(settings) + ": " + failure
        + " (Hazelcast member port: 'cluster.port', event bus port: 'cluster.eventBusPort', address: 'cluster.host',"
        + " TLS files: 'cluster.tls.*')", failure)))
      .map(vertx -> {
        ClusterNode node = new ClusterNode(vertx, manager, settings);
        LOG.info("Joined cluster '{}' as node {} on {}:{}: {} members{}", settings.name(), manager.getNodeId(),
          settings.host(), settings.port(), manager.getNodes().size(),
          settings.tlsEnabled() ? ", event bus over mutual TLS" : "");
        return node;
      });
  }

  private static String describe(ClusterSettings settings) {
    return "cannot join cluster '" + settings.name() + "' on " + settings.host() + ":" + settings.port();
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return manager.getNodeId();
  }

  /** {@code host:port} of this node's Hazelcast member: its name in /metrics, events and /stats (K6). */
  public String memberAddress() {
    return settings.memberAddress();
  }

  /**
   * The Vert.x node ids of the cluster's members, oldest first: Hazelcast's member order, the same on every member,
   * so every node agrees which one is the oldest. This member's local view: no remote call. Fails
   * (HazelcastInstanceNotActiveException) once Hazelcast stopped on this node.
   */
  public List<String> nodes() {
    return manager.getNodes();
  }

  /** The Hazelcast member (tests stop it abruptly to see readiness go down; shard ownership keeps its claims in it). */
  HazelcastInstance hazelcast() {
    return manager.getHazelcastInstance();
  }

  /**
   * What readiness shows: node id, cluster name, whether this node is in the cluster, member count and members
   * ({@code host:port} of each Hazelcast member, this one marked {@code local}); when it is not in the cluster,
   * {@code problem} says why. Reads Hazelcast's local view of the membership: no remote call, safe on an event loop.
   */
  public JsonObject membership() {
    JsonObject details = new JsonObject().put("nodeId", manager.getNodeId()).put("clusterName", settings.name());
    String problem = null;
    JsonArray members = new JsonArray();
    HazelcastInstance hazelcast = manager.getHazelcastInstance();
    if (!manager.isActive()) {
      problem = "this node left the cluster";
    } else if (hazelcast == null || !hazelcast.getLifecycleService().isRunning()) {
      problem = "Hazelcast is no longer running on this node";
    } else {
      try {
        Member local = hazelcast.getCluster().getLocalMember();
        Set<Member> current = hazelcast.getCluster().getMembers();
        for (Member member : current) {
          members.add(new JsonObject().put("address", member.getAddress().getHost() + ":" + member.getAddress().getPort())
            .put("local", member.localMember()));
        }
        if (!current.contains(local)) {
          problem = "this node is not in the cluster's member list";
        }
      } catch (RuntimeException e) { // HazelcastInstanceNotActiveException: it shut down while we looked
        problem = "Hazelcast is no longer running on this node (" + e.getMessage() + ")";
      }
    }
    details.put("inCluster", problem == null).put("memberCount", members.size()).put("members", members);
    return problem == null ? details : details.put("problem", problem);
  }

  /** The readiness procedure: UP with {@link #membership()}, DOWN when this node is not in the cluster. */
  public Handler<Promise<Status>> readinessCheck() {
    return promise -> {
      JsonObject membership = membership();
      promise.complete(membership.getBoolean("inCluster") ? Status.OK(membership) : Status.KO(membership));
    };
  }
}
