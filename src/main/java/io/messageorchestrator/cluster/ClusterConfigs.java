package io.messageorchestrator.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

import java.util.List;

/**
 * Builds what a clustered node runs on from {@link ClusterSettings}: the Hazelcast member configuration and the
 * clustered event bus options.
 */
public final class ClusterConfigs {
  /**
   * Hazelcast failure detection: a heartbeat every second; a member silent for 5 s is removed. The trade-off: a
   * stop-the-world pause (GC, a frozen VM) longer than 5 s gets a healthy node evicted too; keep heaps and pause
   * targets well below it (G1's default goal is 200 ms). The system properties of the same names
   * ({@code -Dhazelcast.max.no.heartbeat.seconds=15}) override them.
   */
  static final int HEARTBEAT_INTERVAL_SECONDS = 1;
  static final int MAX_NO_HEARTBEAT_SECONDS = 5;
  static final String HEARTBEAT_INTERVAL = "hazelcast.heartbeat.interval.seconds";
  static final String MAX_NO_HEARTBEAT = "hazelcast.max.no.heartbeat.seconds";
  /**
   * How soon after a split (a partition, or a member evicted while frozen that then runs on as a cluster of one)
   * Hazelcast looks for the other side to merge back, and how often after that: 10 s instead of its 300 s and 120 s,
   * because the smaller side runs no shard until it is merged back ({@link ShardOwnership}'s split-brain rule).
   * Overridable like the heartbeat settings.
   */
  static final int MERGE_DELAY_SECONDS = 10;
  static final String MERGE_FIRST_RUN_DELAY = "hazelcast.merge.first.run.delay.seconds";
  static final String MERGE_NEXT_RUN_DELAY = "hazelcast.merge.next.run.delay.seconds";
  /** How long a leaving member lets Hazelcast hand its partitions over before it shuts down regardless. */
  static final int GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS = 10;

  private ClusterConfigs() {
  }

  /**
   * Vert.x's Hazelcast configuration (what {@link ConfigUtil#loadConfig()} finds: the {@code vertx.hazelcast.config}
   * system property, a {@code cluster.xml} on the classpath, else the vertx-hazelcast jar's
   * {@code default-cluster.xml}, which holds the settings of Vert.x's internal maps and multimaps), with the network,
   * discovery, failure detection and housekeeping that {@code cluster.*} decides.
   */
  public static Config hazelcast(ClusterSettings settings) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(settings.name());
    NetworkConfig network = config.getNetworkConfig();
    // Exactly cluster.port: the members list of every node names it, and a busy port must stop start-up instead of
    // silently moving to the next one.
    network.setPort(settings.port()).setPortAutoIncrement(false);
    // Bind and advertise cluster.host only (with bind.any off, the interface is also the bind address).
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(settings.host()));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    config.setProperty("hazelcast.socket.bind.any", "false");
    // An operator may trade detection speed for tolerance of pauses with the same-named system properties.
    config.setProperty(HEARTBEAT_INTERVAL, System.getProperty(HEARTBEAT_INTERVAL,
      Integer.toString(HEARTBEAT_INTERVAL_SECONDS)));
    config.setProperty(MAX_NO_HEARTBEAT, System.getProperty(MAX_NO_HEARTBEAT,
      Integer.toString(MAX_NO_HEARTBEAT_SECONDS)));
    for (String merge : List.of(MERGE_FIRST_RUN_DELAY, MERGE_NEXT_RUN_DELAY)) {
      config.setProperty(merge, System.getProperty(merge, Integer.toString(MERGE_DELAY_SECONDS)));
    }
    config.setProperty("hazelcast.graceful.shutdown.max.wait", Integer.toString(GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS));
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    return config;
  }

  /**
   * The clustered event bus: listens on {@code cluster.host} ({@code cluster.eventBusPort}); with {@code cluster.tls}
   * it speaks TLS both ways, presents the node's certificate and requires the peer's (client auth required), so a
   * process without a certificate the trust file vouches for can neither send to nor receive from the nodes.
   */
  public static EventBusOptions eventBus(ClusterSettings settings) {
    EventBusOptions options = new EventBusOptions().setHost(settings.host()).setPort(settings.eventBusPort());
    ClusterSettings.Tls tls = settings.tls();
    if (tls != null) {
      options.setSsl(true)
        .setClientAuth(ClientAuth.REQUIRED)
        // The event bus's default is to trust any peer's certificate when connecting (trustAll true): a rogue
        // process could then receive what the nodes send it.
        .setTrustAll(false)
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(tls.keyPath()).setCertPath(tls.certPath()))
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.trustPath()));
    }
    return options;
  }
}
