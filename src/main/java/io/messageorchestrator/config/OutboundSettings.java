package io.messageorchestrator.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * @param accounts       per-account credentials (V6), by account id: the Cloud API phone number id, the Evolution
 *                       instance or the number an {@code http} gateway serves; a reply of an account not listed
 *                       uses {@code token} / {@code phoneNumberId} / {@code instance} above (the single-number
 *                       settings, also the {@code default} account's)
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
  int maxPending,
  Map<String, Account> accounts) {

  public OutboundSettings {
    accounts = Collections.unmodifiableMap(new LinkedHashMap<>(accounts));
  }

  /**
   * One business number's credentials, an entry of {@code outbound.accounts}.
   *
   * @param token bearer token (Cloud API, {@code http}) or {@code apikey} (Evolution); never printed
   * @param url   the provider's base URL for this account; {@code null}: {@code outbound.url}
   */
  public record Account(String token, String url) {
    static final Set<String> FIELDS = Set.of("token", "url");

    @Override
    public String toString() {
      return "Account[token=***, url=" + url + "]";
    }
  }

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
      .put("maxPending", 100_000)
      // A leaf, not a group: its keys are account ids, free-form, and OUTBOUND_ACCOUNTS may give it as JSON text.
      .put("accounts", "");
  }

  /** Reads and validates {@code outbound.*} of a configuration already merged with {@link #defaults()}. */
  static OutboundSettings from(ConfigValues v) {
    Type type = Type.fromConfig(v.oneOf("outbound.type", TYPES));
    String url = v.optionalString("outbound.url");
    String token = v.optionalString("outbound.token");
    if (type != Type.LOG) {
      url = requireHttpUrl(v, url, type);
    }
    Map<String, Account> accounts = accounts(v);
    if ((type == Type.WHATSAPP_CLOUD || type == Type.EVOLUTION) && accounts.isEmpty()) {
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
      v.booleanValue("outbound.sendFallbacks"), v.intValue("outbound.maxPending", 1, 100_000_000), accounts);
  }

  /**
   * {@code outbound.accounts}: a JSON object (or its text, from {@code OUTBOUND_ACCOUNTS}) of account id →
   * {@code {token, url?}}. Errors name the entry and field but never echo a value: it holds secrets.
   */
  private static Map<String, Account> accounts(ConfigValues v) {
    String key = "outbound.accounts";
    Object raw = v.raw(key);
    JsonObject given;
    if (raw == null || raw instanceof String text && text.isBlank()) {
      return Map.of();
    } else if (raw instanceof JsonObject json) {
      given = json;
    } else if (raw instanceof String text) {
      try {
        given = new JsonObject(text);
      } catch (DecodeException | ClassCastException e) {
        throw v.problem(key, "must be a JSON object of account id → {\"token\": ..., \"url\"?: ...}"
          + " (the text is not a JSON object)");
      }
    } else {
      throw v.problem(key, "must be a JSON object of account id → {\"token\": ..., \"url\"?: ...}");
    }
    Map<String, Account> accounts = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : given) {
      String id = entry.getKey();
      String where = "entry '" + id + "'";
      require(v, !id.isBlank() && id.length() <= 128 && !id.equals("default"), key,
        where + ": an account id must be 1 to 128 characters and not 'default' (the single-number settings are"
          + " the default account's)");
      if (!(entry.getValue() instanceof JsonObject fields)) {
        throw v.problem(key, where + " must be an object {\"token\": ..., \"url\"?: ...}");
      }
      for (String field : fields.fieldNames()) {
        require(v, Account.FIELDS.contains(field), key, where + ": unknown field '" + field + "' (known: token, url)");
      }
      require(v, fields.getValue("token") instanceof String token && !token.isBlank(), key,
        where + ": 'token' must be a non-empty string");
      String url = null;
      if (fields.getValue("url") != null) {
        require(v, fields.getValue("url") instanceof String, key, where + ": 'url' must be a string");
        url = httpUrl(v, fields.getString("url"), key, where + ": 'url'");
      }
      accounts.put(id, new Account(fields.getString("token"), url));
    }
    return accounts;
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
      .put("maxPending", maxPending)
      .put("accounts", new io.vertx.core.json.JsonArray(java.util.List.copyOf(accounts.keySet())));
  }

  @Override
  public String toString() {
    return "OutboundSettings" + toStatsJson().put("token", token == null ? null : "***").encode();
  }

  private static String requireHttpUrl(ConfigValues v, String url, Type type) {
    requireSet(v, url != null, "outbound.url", type);
    return httpUrl(v, url, "outbound.url", "");
  }

  /** An absolute http(s) URL without trailing slash; {@code what} prefixes the problem (an entry of a map). */
  private static String httpUrl(ConfigValues v, String url, String key, String what) {
    String problem = (what.isEmpty() ? "" : what + " ") + "must be an absolute http(s) URL, got '" + url + "'";
    try {
      URI uri = new URI(url);
      require(v, ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
        && uri.getHost() != null, key, problem);
    } catch (URISyntaxException e) {
      require(v, false, key, problem);
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
