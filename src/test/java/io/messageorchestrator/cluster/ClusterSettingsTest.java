package io.messageorchestrator.cluster;

import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.ConfigLoader;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code cluster} configuration group: defaults, environment overrides, validation, and the journal it needs. */
@DisplayName("cluster settings")
class ClusterSettingsTest {
  private static final String FILE = "file 'test.json'";
  /** The journal cluster mode needs. */
  private static final JsonObject POSTGRES = new JsonObject().put("journal", new JsonObject().put("type", "postgres"));

  @TempDir
  Path dir;

  @Test
  @DisplayName("defaults: off (a single node, the SQLite journal accepted), 'message-orchestrator' on 127.0.0.1:5701,"
    + " no members, 64 shards, a random event-bus port, no TLS")
  void defaults() {
    OrchestratorConfig config = ConfigLoader.resolve(new JsonObject(), FILE, Map.of());

    assertThat(config.cluster()).isEqualTo(ClusterSettings.disabled());
    ClusterSettings cluster = config.cluster();
    assertThat(cluster.enabled()).isFalse();
    assertThat(cluster.name()).isEqualTo("message-orchestrator");
    assertThat(cluster.host()).isEqualTo("127.0.0.1");
    assertThat(cluster.port()).isEqualTo(5701);
    assertThat(cluster.members()).isEmpty();
    assertThat(cluster.shards()).isEqualTo(64);
    assertThat(cluster.eventBusPort()).isZero();
    assertThat(cluster.tls()).isNull();
    assertThat(config.journal().type()).isEqualTo("sqlite");
  }

  @Test
  @DisplayName("every key has its environment variable: CLUSTER_ENABLED, CLUSTER_NAME, CLUSTER_HOST, CLUSTER_PORT,"
    + " CLUSTER_MEMBERS (comma-separated), CLUSTER_SHARDS, CLUSTER_EVENT_BUS_PORT, CLUSTER_TLS_*")
  void environmentOverrides() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("CLUSTER_ENABLED", "true", "CLUSTER_NAME", "prod-eu",
      "CLUSTER_HOST", "10.0.0.5", "CLUSTER_PORT", "5801",
      "CLUSTER_MEMBERS", "10.0.0.5:5801, 10.0.0.6:5801,node-c.internal:5801", "CLUSTER_SHARDS", "128",
      "CLUSTER_EVENT_BUS_PORT", "17001", "JOURNAL_TYPE", "postgres"));
    env.putAll(Map.of("CLUSTER_TLS_KEY_PATH", pem("key.pem").toString(),
      "CLUSTER_TLS_CERT_PATH", pem("cert.pem").toString(), "CLUSTER_TLS_TRUST_PATH", pem("ca.pem").toString()));

    ClusterSettings cluster = ConfigLoader.resolve(new JsonObject(), FILE, env).cluster();

    assertThat(cluster).isEqualTo(new ClusterSettings(true, "prod-eu", "10.0.0.5", 5801,
      java.util.List.of("10.0.0.5:5801", "10.0.0.6:5801", "node-c.internal:5801"), 128, 17001,
      new ClusterSettings.Tls(dir.resolve("key.pem").toString(), dir.resolve("cert.pem").toString(),
        dir.resolve("ca.pem").toString())));
  }

  @Test
  @DisplayName("cluster mode with the sqlite or memory journal refuses to start and says why: the nodes share the"
    + " PostgreSQL journal")
  void clusterModeNeedsPostgres() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject(), FILE, Map.of("CLUSTER_ENABLED", "true")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'journal.type'").hasMessageContaining("'sqlite'")
      .hasMessageContaining("cluster mode").hasMessageContaining("set by environment variable CLUSTER_ENABLED")
      .hasMessageContaining("needs 'postgres'").hasMessageContaining("share one PostgreSQL journal");
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject()
        .put("cluster", new JsonObject().put("enabled", true))
        .put("journal", new JsonObject().put("type", "memory")), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'journal.type'").hasMessageContaining("'memory'").hasMessageContaining("'postgres'");

    assertThat(ConfigLoader.resolve(POSTGRES, FILE, Map.of("CLUSTER_ENABLED", "true")).cluster().enabled()).isTrue();
  }

  @Test
  @DisplayName("invalid values stop start-up with a message naming the key")
  void validation() {
    assertInvalid(Map.of("CLUSTER_SHARDS", "0"), "'cluster.shards'", "between 1 and 4096");
    assertInvalid(Map.of("CLUSTER_PORT", "0"), "'cluster.port'", "between 1 and 65535");
    assertInvalid(Map.of("CLUSTER_EVENT_BUS_PORT", "70000"), "'cluster.eventBusPort'", "between 0 and 65535");
    assertInvalid(Map.of("CLUSTER_HOST", "0.0.0.0"), "'cluster.host'", "IPv4 address");
    assertInvalid(Map.of("CLUSTER_HOST", "node-a.internal"), "'cluster.host'", "not a host name");
    assertInvalid(Map.of("CLUSTER_HOST", "10.0.0.256"), "'cluster.host'", "IPv4 address");
    assertInvalid(Map.of("CLUSTER_NAME", " "), "'cluster.name'", "must not be empty");
    assertInvalid(Map.of("CLUSTER_MEMBERS", "10.0.0.5:5701,10.0.0.6"), "'cluster.members'", "'10.0.0.6'");
    assertInvalid(Map.of("CLUSTER_MEMBERS", "10.0.0.5:99999"), "'cluster.members'", "host:port");
    assertInvalid(Map.of("CLUSTER_ENABLED", "yes"), "'cluster.enabled'", "true or false");
  }

  @Test
  @DisplayName("TLS needs all three PEM files, each readable: a missing key or file is named")
  void tlsValidation() throws Exception {
    String key = pem("key.pem").toString();
    String cert = pem("cert.pem").toString();
    assertInvalid(Map.of("CLUSTER_TLS_KEY_PATH", key, "CLUSTER_TLS_CERT_PATH", cert), "'cluster.tls.trustPath'",
      "must be set because the other cluster.tls keys are");
    assertInvalid(Map.of("CLUSTER_ENABLED", "true", "CLUSTER_TLS_KEY_PATH", key, "CLUSTER_TLS_CERT_PATH", cert,
      "CLUSTER_TLS_TRUST_PATH", dir.resolve("absent.pem").toString()), "'cluster.tls.trustPath'",
      "must be a readable PEM file");
  }

  @Test
  @DisplayName("an unknown key in the cluster group is refused with the closest known one")
  void unknownKey() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("cluster", new JsonObject()
      .put("member", new JsonArray().add("10.0.0.5:5701"))), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'cluster.member'").hasMessageContaining("did you mean 'cluster.members'?");
  }

  private void assertInvalid(Map<String, String> env, String key, String problem) {
    assertThatThrownBy(() -> ConfigLoader.resolve(POSTGRES, FILE, env))
      .as("%s", env)
      .isInstanceOf(ConfigException.class).hasMessageContaining(key).hasMessageContaining(problem);
  }

  private Path pem(String name) throws Exception {
    Path file = dir.resolve(name);
    if (!Files.exists(file)) {
      Files.writeString(file, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    }
    return file;
  }
}
