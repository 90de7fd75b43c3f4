package io.messageorchestrator.cluster;

import java.util.List;

/**
 * The {@code cluster} configuration group (K1, K9): several nodes running the same jar on one Vert.x cluster
 * (Hazelcast), sharing the PostgreSQL journal.
 *
 * @param enabled      {@code false} (default): one node, exactly as without cluster mode
 * @param name         the Hazelcast cluster name: nodes with another name never join this cluster
 * @param host         the IPv4 address Hazelcast and the clustered event bus bind to (and advertise); nothing else
 * @param port         the Hazelcast member port on {@code host}; no auto-increment (a busy port stops start-up)
 * @param members      {@code host:port} of the members to find at start (TCP-IP discovery; multicast is off)
 * @param shards       how many shards conversations map to across the cluster (routing uses it; the top-level
 *                     {@code shards} stays the single-node setting)
 * @param eventBusPort the clustered event bus port on {@code host}; 0 picks a free one (advertised through Hazelcast)
 * @param tls          mutual TLS of the clustered event bus; {@code null}: plain TCP
 */
public record ClusterSettings(boolean enabled, String name, String host, int port, List<String> members, int shards,
                              int eventBusPort, Tls tls) {

  public static final String DEFAULT_NAME = "message-orchestrator";

  public ClusterSettings {
    members = List.copyOf(members);
  }

  /**
   * PEM files of the clustered event bus's mutual TLS: each node presents {@code certPath} (with {@code keyPath}) and
   * accepts only peers whose certificate {@code trustPath} vouches for (client authentication required).
   */
  public record Tls(String keyPath, String certPath, String trustPath) {
  }

  /** Single-node mode with the documented defaults. */
  public static ClusterSettings disabled() {
    return new ClusterSettings(false, DEFAULT_NAME, "127.0.0.1", 5701, List.of(), 64, 0, null);
  }

  public boolean tlsEnabled() {
    return tls != null;
  }

  /**
   * {@code host:port}, this node's Hazelcast member address: how the cluster-wide views name the node (K6: the
   * {@code node} label of its meters, the {@code node} of its events on {@code /admin/events}, its {@code /stats}).
   */
  public String memberAddress() {
    return host + ":" + port;
  }
}
