package io.messageorchestrator.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a node is built on: the Hazelcast member configuration and the clustered event bus options. */
@DisplayName("ClusterConfigs")
class ClusterConfigsTest {
  private static final ClusterSettings SETTINGS = new ClusterSettings(true, "prod-eu", "10.0.0.5", 5801,
    List.of("10.0.0.5:5801", "10.0.0.6:5801"), 64, 17001, null);

  @Test
  @DisplayName("Hazelcast: the cluster name; cluster.port on cluster.host only, no auto-increment; TCP-IP join with"
    + " the members, multicast and auto-detection off")
  void hazelcastNetwork() {
    Config config = ClusterConfigs.hazelcast(SETTINGS);
    NetworkConfig network = config.getNetworkConfig();

    assertThat(config.getClusterName()).isEqualTo("prod-eu");
    assertThat(network.getPort()).isEqualTo(5801);
    assertThat(network.isPortAutoIncrement()).isFalse();
    assertThat(network.getInterfaces().isEnabled()).isTrue();
    assertThat(network.getInterfaces().getInterfaces()).containsExactly("10.0.0.5");
    assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(network.getJoin().getTcpIpConfig().isEnabled()).isTrue();
    assertThat(network.getJoin().getTcpIpConfig().getMembers()).containsExactly("10.0.0.5:5801", "10.0.0.6:5801");
    assertThat(network.getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(network.getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
  }

  @Test
  @DisplayName("Hazelcast: heartbeat every 1 s, a member silent for 5 s is removed, a split side looks for the other"
    + " after 10 s; phone-home off; logs through SLF4J")
  void hazelcastProperties() {
    Config config = ClusterConfigs.hazelcast(SETTINGS);

    assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
    assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
    assertThat(config.getProperty("hazelcast.graceful.shutdown.max.wait")).isEqualTo("10");
    assertThat(config.getProperty("hazelcast.merge.first.run.delay.seconds")).isEqualTo("10");
    assertThat(config.getProperty("hazelcast.merge.next.run.delay.seconds")).isEqualTo("10");
  }

  @Test
  @DisplayName("Hazelcast: starts from Vert.x's default configuration (its internal maps and multimap keep their"
    + " settings)")
  void keepsVertxDefaults() {
    Config config = ClusterConfigs.hazelcast(SETTINGS);

    assertThat(config.getMultiMapConfigs()).containsKey("__vertx.subs");
    assertThat(config.getMultiMapConfig("__vertx.subs").getValueCollectionType().name()).isEqualTo("SET");
    assertThat(config.getMapConfigs()).containsKeys("__vertx.haInfo", "__vertx.nodeInfo");
    assertThat(config.getMapConfig("__vertx.nodeInfo").getBackupCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("event bus: on cluster.host and cluster.eventBusPort, plain TCP without cluster.tls")
  void eventBusWithoutTls() {
    EventBusOptions options = ClusterConfigs.eventBus(SETTINGS);

    assertThat(options.getHost()).isEqualTo("10.0.0.5");
    assertThat(options.getPort()).isEqualTo(17001);
    assertThat(options.isSsl()).isFalse();
  }

  @Test
  @DisplayName("event bus with cluster.tls: SSL on, client auth REQUIRED, the node's PEM key and certificate, the"
    + " trusted PEM certificates, no trust-all")
  void eventBusWithMutualTls() {
    ClusterSettings withTls = new ClusterSettings(true, "prod-eu", "10.0.0.5", 5801, List.of(), 64, 0,
      new ClusterSettings.Tls("/etc/mo/node.key", "/etc/mo/node.crt", "/etc/mo/cluster-ca.crt"));

    EventBusOptions options = ClusterConfigs.eventBus(withTls);

    assertThat(options.getHost()).isEqualTo("10.0.0.5");
    assertThat(options.getPort()).isZero();
    assertThat(options.isSsl()).isTrue();
    assertThat(options.getClientAuth()).isEqualTo(ClientAuth.REQUIRED);
    assertThat(options.isTrustAll()).isFalse();
    PemKeyCertOptions keyCert = (PemKeyCertOptions) options.getKeyCertOptions();
    assertThat(keyCert.getKeyPaths()).containsExactly("/etc/mo/node.key");
    assertThat(keyCert.getCertPaths()).containsExactly("/etc/mo/node.crt");
    assertThat(((PemTrustOptions) options.getTrustOptions()).getCertPaths()).containsExactly("/etc/mo/cluster-ca.crt");
  }
}
