package io.messageorchestrator.config;

import io.messageorchestrator.cluster.ClusterSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and validates the {@code cluster} group into {@link ClusterSettings}. */
final class ClusterSettingsReader {
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  /** {@code host:port}; the host a name or an IPv4 address. */
  private static final Pattern MEMBER = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\\d{1,5})");

  private ClusterSettingsReader() {
  }

  static ClusterSettings read(ConfigValues v) {
    boolean enabled = v.booleanValue("cluster.enabled");
    String host = v.string("cluster.host");
    if (!isUnicastIpv4(host)) {
      throw v.problem("cluster.host", "must be an IPv4 address of this machine (Hazelcast and the clustered event bus"
        + " bind to it and to nothing else), not a host name or 0.0.0.0, got '" + host + "'");
    }
    List<String> members = v.stringList("cluster.members");
    for (String member : members) {
      Matcher matcher = MEMBER.matcher(member);
      if (!matcher.matches() || Integer.parseInt(matcher.group(3)) < 1 || Integer.parseInt(matcher.group(3)) > 65_535) {
        throw v.problem("cluster.members", "must list members as host:port (e.g. 10.0.0.5:5701), got '" + member
          + "'");
      }
    }
    ClusterSettings.Tls tls = tls(v);
    return new ClusterSettings(enabled, v.string("cluster.name"), host, v.intValue("cluster.port", 1, 65_535),
      members, v.intValue("cluster.shards", 1, 4_096), v.intValue("cluster.eventBusPort", 0, 65_535), tls);
  }

  /** All three files, or none (plain TCP); each must be a readable file when cluster mode is on. */
  private static ClusterSettings.Tls tls(ConfigValues v) {
    List<String> keys = List.of("cluster.tls.keyPath", "cluster.tls.certPath", "cluster.tls.trustPath");
    List<String> values = new ArrayList<>();
    for (String key : keys) {
      values.add(v.optionalString(key));
    }
    if (values.stream().allMatch(value -> value == null)) {
      return null;
    }
    for (int i = 0; i < keys.size(); i++) {
      if (values.get(i) == null) {
        throw new ConfigException("Invalid configuration: '" + keys.get(i) + "' must be set because the other"
          + " cluster.tls keys are (mutual TLS needs this node's key and certificate and the trusted certificates);"
          + " " + v.origins().howToSet(keys.get(i)));
      }
    }
    if (v.booleanValue("cluster.enabled")) {
      for (int i = 0; i < keys.size(); i++) {
        if (!Files.isReadable(Path.of(values.get(i))) || Files.isDirectory(Path.of(values.get(i)))) {
          throw v.problem(keys.get(i), "must be a readable PEM file, got '" + values.get(i) + "'");
        }
      }
    }
    return new ClusterSettings.Tls(values.get(0), values.get(1), values.get(2));
  }

  private static boolean isUnicastIpv4(String host) {
    Matcher matcher = IPV4.matcher(host);
    if (!matcher.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(matcher.group(i)) > 255) {
        return false;
      }
    }
    return !host.equals("0.0.0.0") && !host.equals("255.255.255.255");
  }
}
