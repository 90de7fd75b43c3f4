package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reply delivery settings, the {@code outbound} configuration group. Durations are milliseconds.
 *
 * @param type           where replies go: {@code log}, {@code whatsapp-cloud}, {@code evolution} or {@code http}
 * @param url            base URL of the provider API, or the callback URL for {@code http}; without trailing slash
 * @param token          bearer token (Cloud API) or {@code apikey} (Evolution); never printed
 * @param phoneNumberId  Cloud API sender; {@code null}: the processed message's {@code metadata.phone_number_id}
 * @param instance       Evolution instance; {@code null}: the processed message's {@code metadata.instance}
 * @param apiVersion     Graph API version in the Cloud API path, e.g. {@code v21.0}
 * @param maxAttempts    optional cap on attempts per reply, the first included; 0: none ({@code retryFor} decides)
 * @param retryFor       how long after a reply's first attempt retryable failures are still retried: the stop
 *                       condition (then the reply is given up, a reply dead letter)
 * @param timeout        limit of one attempt
 * @param initialBackoff backoff cap before the second attempt; doubles per attempt (full jitter)
 * @param maxBackoff     upper bound of any backoff
 * @param sendFallbacks  whether fallback replies (failed or timed-out processing) are delivered
 * @param maxPending     replies waiting or in flight on the node beyond which a new reply fails as overloaded
 */
public record OutboundSettings(
  Type type,
  String url,
  String token,
  String phoneNumberId,
  String instance,
  String apiVersion,
  int maxAttempts,
  long retryFor,
  long timeout,
  long initialBackoff,
  long maxBackoff,
  boolean sendFallbacks,
  int maxPending) {

  public enum Type {
    LOG("log"), WHATSAPP_CLOUD("whatsapp-cloud"), EVOLUTION("evolution"), HTTP("http");

    private final String configName;

    Type(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    static Type fromConfig(String name) {
      return Arrays.stream(values()).filter(type -> type.configName.equals(name)).findFirst().orElseThrow();
    }
  }

  public static final String GROUP = "outbound";
  public static final Set<String> TYPES = Arrays.stream(Type.values()).map(Type::configName)
    .collect(Collectors.toUnmodifiableSet());
  private static final Pattern API_VERSION = Pattern.compile("v\\d+(\\.\\d+)?");
  private static final long DAY = 86_400_000L;

  /** The {@code outbound} group's defaults; blank strings are unset values. */
  public static JsonObject defaults() {
    return new JsonObject()
      .put("type", "log")
      .put("url", "")
      .put("token", "")
      .put("phoneNumberId", "")
      .put("instance", "")
      .put("apiVersion", "v21.0")
      .put("maxAttempts", 0)
      .put("retryFor", 3_600_000)
      .put("timeout", 10_000)
      .put("initialBackoff", 500)
      .put("maxBackoff", 30_000)
      .put("sendFallbacks", true)
      .put("maxPending", 100_000);
  }

  /** Reads and validates {@code outbound.*} of a configuration already merged with {@link #defaults()}. */
  static OutboundSettings from(ConfigValues v) {
    Type type = Type.fromConfig(v.oneOf("outbound.type", TYPES));
    String url = v.optionalString("outbound.url");
    String token = v.optionalString("outbound.token");
    if (type != Type.LOG) {
      url = requireHttpUrl(v, url, type);
    }
    if (type == Type.WHATSAPP_CLOUD || type == Type.EVOLUTION) {
      requireSet(v, token != null, "outbound.token", type);
    }
    String apiVersion = v.string("outbound.apiVersion");
    require(v, API_VERSION.matcher(apiVersion).matches(), "outbound.apiVersion",
      "must look like v21.0, got '" + apiVersion + "'");
    long initialBackoff = v.longValue("outbound.initialBackoff", 1, DAY);
    long maxBackoff = v.longValue("outbound.maxBackoff", 1, DAY);
    require(v, maxBackoff >= initialBackoff, "outbound.maxBackoff",
      "must be at least outbound.initialBackoff (" + initialBackoff + ")");
    return new OutboundSettings(type, url, token, v.optionalString("outbound.phoneNumberId"),
      v.optionalString("outbound.instance"), apiVersion, v.intValue("outbound.maxAttempts", 0, 100),
      v.longValue("outbound.retryFor", 1, 7 * DAY),
      v.longValue("outbound.timeout", 1, 600_000), initialBackoff, maxBackoff,
      v.booleanValue("outbound.sendFallbacks"), v.intValue("outbound.maxPending", 1, 100_000_000));
  }

  /** Reads and validates an {@code outbound} group on its own (missing keys take their defaults). */
  public static OutboundSettings fromJson(JsonObject outbound) {
    JsonObject given = new JsonObject().put(GROUP, outbound == null ? new JsonObject() : outbound);
    ValueOrigins origins = ValueOrigins.object(given);
    KnownKeys.check(new JsonObject().put(GROUP, defaults()), given, origins.source());
    JsonObject group = defaults().mergeIn(given.getJsonObject(GROUP), true);
    return from(new ConfigValues(new JsonObject().put(GROUP, group), origins));
  }

  /** The settings without the token, for logs and statistics. */
  public JsonObject toStatsJson() {
    return new JsonObject()
      .put("type", type.configName)
      .put("url", url)
      .put("phoneNumberId", phoneNumberId)
      .put("instance", instance)
      .put("apiVersion", apiVersion)
      .put("maxAttempts", maxAttempts)
      .put("retryFor", retryFor)
      .put("timeout", timeout)
      .put("initialBackoff", initialBackoff)
      .put("maxBackoff", maxBackoff)
      .put("sendFallbacks", sendFallbacks)
      .put("maxPending", maxPending);
  }

  @Override
  public String toString() {
    return "OutboundSettings" + toStatsJson().put("token", token == null ? null : "***").encode();
  }

  private static String requireHttpUrl(ConfigValues v, String url, Type type) {
    requireSet(v, url != null, "outbound.url", type);
    try {
      URI uri = new URI(url);
      require(v, ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
        && uri.getHost() != null, "outbound.url", "must be an absolute http(s) URL, got '" + url + "'");
    } catch (URISyntaxException e) {
      require(v, false, "outbound.url", "must be an absolute http(s) URL, got '" + url + "'");
    }
    String trimmed = url;
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed;
  }

  private static void require(ConfigValues v, boolean condition, String key, String problem) {
    if (!condition) {
      throw v.problem(key, problem);
    }
  }

  private static void requireSet(ConfigValues v, boolean isSet, String key, Type type) {
    if (!isSet) {
      throw new ConfigException("Invalid configuration: '" + key + "' must be set because 'outbound.type' is '"
        + type.configName + "' (" + v.origins().describe("outbound.type") + "); " + v.origins().howToSet(key));
    }
  }
}
