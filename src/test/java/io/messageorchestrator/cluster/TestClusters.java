package io.messageorchestrator.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;

/**
 * What cluster tests share: a cluster name no other test run uses (two suites side by side never join each other)
 * and free loopback ports for Hazelcast members.
 */
public final class TestClusters {
  private TestClusters() {
  }

  /** {@code mo-test-<random>}. */
  public static String uniqueName() {
    return "mo-test-" + UUID.randomUUID().toString().substring(0, 12);
  }

  /** A port free on 127.0.0.1 right now (the OS's pick), for a member port that must be known before it binds. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code cluster} section of a service configuration: cluster mode on 127.0.0.1, as {@link #loopback}. */
  public static JsonObject clusterConfig(String name, int port, List<Integer> memberPorts, int shards) {
    return new JsonObject().put("enabled", true).put("name", name).put("host", "127.0.0.1").put("port", port)
      .put("shards", shards).put("members", new JsonArray(memberPorts.stream().map(p -> "127.0.0.1:" + p).toList()));
  }

  /** Cluster mode on 127.0.0.1 with this member port and members list, a random event-bus port, no TLS. */
  public static ClusterSettings loopback(String name, int port, List<Integer> memberPorts) {
    return new ClusterSettings(true, name, "127.0.0.1", port,
      memberPorts.stream().map(p -> "127.0.0.1:" + p).toList(), 64, 0, null);
  }
}
