package io.messageorchestrator.config;

import io.messageorchestrator.cluster.ClusterSettings;
import io.messageorchestrator.journal.JournalSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Every setting of the service, validated. Top-level names are the original MessageOrchestrator's
 * ({@code processingTimeout}, {@code lockTimeout}, {@code maxQueueSize}, {@code deadlockCheckInterval},
 * {@code maxConcurrentContacts}); durations are milliseconds.
 *
 * @param shards     number of orchestrator shards; 0 means one per core (one per event loop)
 * @param stepEvents publish the per-step events {@code messageReceived}, {@code lockAcquired} and
 *                   {@code lockReleased} of normal processing ({@code events.steps}); outcome events and the
 *                   {@code lockReleased} of a forced release (timeout, unlock, sweep, shutdown) are always published
 */
public record OrchestratorConfig(
  long processingTimeout,
  long lockTimeout,
  int maxQueueSize,
  long deadlockCheckInterval,
  int maxConcurrentContacts,
  QueueOverflow queueOverflow,
  long dedupWindow,
  int dedupMaxEntries,
  long shutdownGracePeriod,
  long idleContactTtl,
  int maxTotalQueued,
  int maxContacts,
  int shards,
  String fallbackResponse,
  int statsListLimit,
  Http http,
  Processor processor,
  Admin admin,
  boolean stepEvents,
  WebhookSettings webhooks,
  OutboundSettings outbound,
  long maxMessageAge,
  Retry retry,
  JournalSettings journal,
  Circuit circuit,
  ClusterSettings cluster,
  Handoff handoff,
  Coalesce coalesce,
  Conversation conversation) {

  public enum QueueOverflow {
    REJECT("reject"), DROP_OLDEST("dropOldest");

    private final String configName;

    QueueOverflow(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    static QueueOverflow fromConfig(String name) {
      return name.equals(DROP_OLDEST.configName) ? DROP_OLDEST : REJECT;
    }
  }

  /**
   * @param instances          HTTP verticle instances; 0 means one per core (one per event loop)
   * @param idleTimeout        a connection with no traffic for this long is closed
   * @param requestBodyTimeout a request whose body has not fully arrived by then is answered 408 and closed, so a
   *                           slow client cannot pin a connection
   */
  public record Http(String host, int port, int instances, int maxBodySize, long idleTimeout,
                     long requestBodyTimeout) {
  }

  /**
   * Agent-call retries (J6): a failed or timed-out attempt is tried again after an exponential backoff with full
   * jitter; the contact's later messages wait. After {@code maxAttempts} the message is dead-lettered.
   */
  public record Retry(int maxAttempts, long initialBackoff, long maxBackoff) {
  }

  /**
   * The agent circuit (J6b): {@code failuresToOpen} agent-unavailable failures in a row open it; while open the
   * agent is not called and messages wait; after {@code openFor} ms one probe call decides whether it closes.
   */
  public record Circuit(int failuresToOpen, long openFor) {
  }

  /** What happens to a paused conversation's held messages when it resumes ({@code handoff.onResume}). */
  public enum OnResume {
    /** The human handled them: each ends {@code handled_by_human}, the agent is not called. */
    SKIP("skip"),
    /** The agent answers the last one, with the others as its context; the others end {@code handled_by_human}. */
    LAST("last"),
    /** Each is processed in turn, as if it had just arrived. */
    ALL("all");

    private final String configName;

    OnResume(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    static OnResume fromConfig(String name) {
      for (OnResume mode : values()) {
        if (mode.configName.equals(name)) {
          return mode;
        }
      }
      throw new IllegalArgumentException(name);
    }
  }

  /**
   * Human handoff (V3).
   *
   * @param pauseOnBusinessReply a message the business sends from its own phone (Evolution {@code fromMe}, Cloud API
   *                             message echoes) pauses the conversation
   * @param pauseTtl             a pause ends by itself after this long (ms) unless given another length
   * @param onResume             what happens to the messages held while paused
   * @param maxHeld              messages held per paused conversation at most; more are refused ({@code held_full})
   * @param echoWindow           a business message with the text of a reply this service sent to the conversation
   *                             within this long (ms) is the provider's echo of it, not a human
   */
  public record Handoff(boolean pauseOnBusinessReply, long pauseTtl, OnResume onResume, int maxHeld,
                        long echoWindow) {
  }

  /** What happens to a contact's messages that arrive while its agent call runs ({@code midTurn.policy}, V2). */
  public enum MidTurn {
    /** Each waits its turn (each flushed burst, with coalescing): the original behaviour. */
    QUEUE("queue"),
    /** When the contact's turn comes, everything waiting is given to the agent as one call (up to maxMessages). */
    MERGE("merge"),
    /** The running call is cancelled (fenced, its reply never sent) and restarted with the old and new messages. */
    INTERRUPT("interrupt");

    private final String configName;

    MidTurn(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    static MidTurn fromConfig(String name) {
      for (MidTurn policy : values()) {
        if (policy.configName.equals(name)) {
          return policy;
        }
      }
      throw new IllegalArgumentException(name);
    }
  }

  /**
   * Burst coalescing (V1) and the double-texting policy (V2).
   *
   * @param quietWindow  a contact's messages are held until it has been quiet this long (ms), then go to the agent
   *                     as one call; 0: off (each message is its own call)
   * @param maxWait      a burst is flushed at the latest this long (ms) after its first message
   * @param maxMessages  a burst (and a merged or restarted call) has at most this many messages
   * @param flushOnMedia a non-text message flushes its burst at once
   * @param midTurn      messages arriving while the contact's call runs
   * @param maxRestarts  {@code interrupt}: restarts per turn at most; later messages wait for the next turn
   */
  public record Coalesce(long quietWindow, long maxWait, int maxMessages, boolean flushOnMedia, MidTurn midTurn,
                         int maxRestarts) {
    public boolean on() {
      return quietWindow > 0;
    }
  }

  /**
   * Conversation history for agents (V4) and per-conversation abuse and cost limits (V5b).
   *
   * @param historySize     {@code agent.historySize}: earlier messages and replies given to the agent (0: none, and
   *                        no history kept at all)
   * @param rateLimit       {@code contact.rateLimit}: messages accepted per conversation and minute (0: no limit)
   * @param dailyAgentCalls {@code contact.dailyAgentCalls}: agent calls per conversation and UTC day, beyond which
   *                        its messages are held (0: no limit)
   */
  public record Conversation(int historySize, int rateLimit, int dailyAgentCalls) {
  }

  /** @param token bearer token of the admin API; {@code null}: loopback callers only */
  public record Admin(String token) {
  }

  /**
   * @param type      {@code echo}, {@code http}, {@code eventbus}, {@code class} or {@code openai}
   * @param url       endpoint of the {@code http} processor; base URL of the {@code openai} one (its
   *                  {@code /v1/chat/completions} is called), without trailing slash
   * @param address   event-bus address of the {@code eventbus} processor
   * @param className implementation of {@code AgentProcessor} for the {@code class} processor
   * @param classpath jars or folders where the {@code class} processor is looked up, besides the service's own
   *                  classpath (which {@code java -jar} fixes to the jar); empty: the service's classpath only
   * @param model         {@code openai}: the model asked for
   * @param apiKey        {@code openai}: bearer token; {@code null}: none sent (e.g. Ollama). Never printed
   * @param systemPrompt  {@code openai}: the system message, or {@code @path} of a file holding it (read at
   *                      start); {@code null}: none
   * @param handoffMarker {@code openai}: text that, in an answer, asks for a human; {@code null}: none
   */
  public record Processor(String type, String url, String address, String className, int workerInstances,
                          List<String> classpath, String model, String apiKey, String systemPrompt,
                          String handoffMarker) {
    public Processor {
      classpath = List.copyOf(classpath);
    }

    @Override
    public String toString() {
      return "Processor[type=" + type + ", url=" + url + ", address=" + address + ", className=" + className
        + ", workerInstances=" + workerInstances + ", classpath=" + classpath + ", model=" + model
        + ", apiKey=" + (apiKey == null ? null : "***") + ", systemPrompt=" + systemPrompt
        + ", handoffMarker=" + handoffMarker + "]";
    }
  }

  public static final Set<String> PROCESSOR_TYPES = Set.of("echo", "http", "eventbus", "class", "openai");
  /** The base URL of {@code processor.type=openai} when {@code processor.url} is unset. */
  public static final String OPENAI_URL = "https://api.openai.com";

  /** The built-in defaults; also the shape that decides which environment variables are read. */
  public static JsonObject defaults() {
    return new JsonObject()
      .put("processingTimeout", 30_000)
      .put("lockTimeout", 5_000)
      .put("maxQueueSize", 10)
      .put("deadlockCheckInterval", 30_000)
      .put("maxConcurrentContacts", 50)
      .put("queueOverflow", "reject")
      .put("dedupWindow", 300_000)
      .put("dedupMaxEntries", 100_000)
      .put("shutdownGracePeriod", 10_000)
      .put("idleContactTtl", 600_000)
      .put("maxTotalQueued", 100_000)
      .put("maxContacts", 1_000_000)
      .put("shards", 0)
      .put("fallbackResponse", "Sorry, I could not process your message right now. Please try again in a moment.")
      .put("statsListLimit", 20)
      .put("http", new JsonObject()
        .put("host", "0.0.0.0")
        .put("port", 8080)
        .put("instances", 0)
        .put("maxBodySize", 262_144)
        .put("idleTimeout", 30_000)
        .put("requestBodyTimeout", 10_000))
      .put("processor", new JsonObject()
        .put("type", "echo")
        .put("url", "")
        .put("address", "")
        .put("class", "")
        .put("classpath", new JsonArray())
        .put("workerInstances", 1)
        .put("model", "")
        .put("apiKey", "")
        .put("systemPrompt", "")
        .put("handoffMarker", ""))
      .put("admin", new JsonObject()
        .put("token", ""))
      .put("events", new JsonObject()
        .put("steps", true))
      .mergeIn(WebhookSettings.defaults())
      .put("outbound", OutboundSettings.defaults())
      .put("maxMessageAge", 86_400_000)
      .put("retry", new JsonObject()
        .put("maxAttempts", 3)
        .put("initialBackoff", 1_000)
        .put("maxBackoff", 30_000))
      .put("journal", new JsonObject()
        .put("type", "sqlite")
        .put("path", "data/orchestrator.db")
        .put("retention", 86_400_000)
        .put("postgres", new JsonObject()
          .put("uri", "")
          .put("host", "127.0.0.1")
          .put("port", 5432)
          .put("database", "postgres")
          .put("user", "postgres")
          .put("password", "")
          .put("schema", "orchestrator")
          .put("poolSize", 4)))
      .put("circuit", new JsonObject()
        .put("failuresToOpen", 5)
        .put("openFor", 5_000))
      .put("handoff", new JsonObject()
        .put("pauseOnBusinessReply", true)
        .put("pauseTtl", 43_200_000)
        .put("onResume", "skip")
        .put("maxHeld", 100)
        .put("echoWindow", 60_000))
      .put("coalesce", new JsonObject()
        .put("quietWindow", 0)
        .put("maxWait", 30_000)
        .put("maxMessages", 20)
        .put("flushOnMedia", true))
      .put("midTurn", new JsonObject()
        .put("policy", "queue")
        .put("maxRestarts", 2))
      .put("agent", new JsonObject()
        .put("historySize", 10))
      .put("contact", new JsonObject()
        .put("rateLimit", 30)
        .put("dailyAgentCalls", 500))
      .put("cluster", new JsonObject()
        .put("enabled", false)
        .put("name", ClusterSettings.DEFAULT_NAME)
        .put("host", "127.0.0.1")
        .put("port", 5701)
        .put("members", new JsonArray())
        .put("shards", 64)
        .put("eventBusPort", 0)
        .put("tls", new JsonObject()
          .put("keyPath", "")
          .put("certPath", "")
          .put("trustPath", "")));
  }

  /**
   * Reads and validates {@code json} (missing keys take their defaults).
   *
   * @throws ConfigException naming the key, for an unknown key or an invalid value
   */
  public static OrchestratorConfig from(JsonObject json) {
    return from(json, ValueOrigins.object(json));
  }

  static OrchestratorConfig from(JsonObject json, ValueOrigins origins) {
    KnownKeys.check(defaults(), json, origins.source());
    return read(new ConfigValues(defaults().mergeIn(json, true), origins));
  }

  static OrchestratorConfig read(ConfigValues v) {
    long day = 86_400_000L;
    String processorType = v.oneOf("processor.type", PROCESSOR_TYPES);
    String url = v.optionalString("processor.url");
    if ("openai".equals(processorType)) {
      url = url == null ? OPENAI_URL : url.replaceAll("/+$", "");
    }
    Processor processor = new Processor(processorType, url,
      v.optionalString("processor.address"), v.optionalString("processor.class"),
      v.intValue("processor.workerInstances", 1, 64), v.stringList("processor.classpath"),
      v.optionalString("processor.model"), v.optionalString("processor.apiKey"),
      v.optionalString("processor.systemPrompt"), v.optionalString("processor.handoffMarker"));
    switch (processorType) {
      case "http" -> {
        requireSet(v, processor.url(), "processor.url", "processor.type");
        requireHttpUrl(v, processor.url(), "processor.url");
      }
      case "openai" -> {
        requireHttpUrl(v, processor.url(), "processor.url");
        requireSet(v, processor.model(), "processor.model", "processor.type");
      }
      case "eventbus" -> requireSet(v, processor.address(), "processor.address", "processor.type");
      case "class" -> requireSet(v, processor.className(), "processor.class", "processor.type");
      default -> { }
    }
    JournalSettings journal = journal(v);
    ClusterSettings cluster = ClusterSettingsReader.read(v);
    if (cluster.enabled() && !"postgres".equals(journal.type())) {
      throw v.problem("journal.type", "is '" + journal.type() + "' but cluster mode ('cluster.enabled', "
        + v.origins().describe("cluster.enabled") + ") needs 'postgres': the nodes share one PostgreSQL journal, so"
        + " that when a node dies the others can take over the messages it had accepted (a " + journal.type()
        + " journal is local to one node)");
    }
    return new OrchestratorConfig(
      v.longValue("processingTimeout", 1, day),
      v.longValue("lockTimeout", 0, day),
      v.intValue("maxQueueSize", 1, 1_000_000),
      v.longValue("deadlockCheckInterval", 1, day),
      v.intValue("maxConcurrentContacts", 1, 1_000_000),
      QueueOverflow.fromConfig(v.oneOf("queueOverflow", Set.of("reject", "dropOldest"))),
      v.longValue("dedupWindow", 0, 7 * day),
      v.intValue("dedupMaxEntries", 0, 100_000_000),
      v.longValue("shutdownGracePeriod", 0, day),
      v.longValue("idleContactTtl", 1, 7 * day),
      v.intValue("maxTotalQueued", 1, 100_000_000),
      v.intValue("maxContacts", 1, 1_000_000_000),
      v.intValue("shards", 0, 1024),
      v.string("fallbackResponse"),
      v.intValue("statsListLimit", 0, 10_000),
      new Http(v.string("http.host"), v.intValue("http.port", 0, 65_535), v.intValue("http.instances", 0, 256),
        v.intValue("http.maxBodySize", 1_024, 64 * 1024 * 1024), v.longValue("http.idleTimeout", 1, day),
        v.longValue("http.requestBodyTimeout", 1, day)),
      processor,
      new Admin(v.optionalString("admin.token")),
      v.booleanValue("events.steps"),
      WebhookSettings.from(v),
      OutboundSettings.from(v),
      v.longValue("maxMessageAge", 1_000, 365 * day),
      retry(v),
      journal,
      new Circuit(v.intValue("circuit.failuresToOpen", 1, 1_000_000), v.longValue("circuit.openFor", 1, day)),
      cluster,
      new Handoff(v.booleanValue("handoff.pauseOnBusinessReply"), v.longValue("handoff.pauseTtl", 1_000, 365 * day),
        OnResume.fromConfig(v.oneOf("handoff.onResume", Set.of("skip", "last", "all"))),
        v.intValue("handoff.maxHeld", 1, 100_000), v.longValue("handoff.echoWindow", 0, day)),
      coalesce(v),
      new Conversation(v.intValue("agent.historySize", 0, 100), v.intValue("contact.rateLimit", 0, 1_000_000),
        v.intValue("contact.dailyAgentCalls", 0, 100_000_000)));
  }

  private static Coalesce coalesce(ConfigValues v) {
    Coalesce coalesce = new Coalesce(v.longValue("coalesce.quietWindow", 0, day()),
      v.longValue("coalesce.maxWait", 1, day()), v.intValue("coalesce.maxMessages", 1, 1_000),
      v.booleanValue("coalesce.flushOnMedia"),
      MidTurn.fromConfig(v.oneOf("midTurn.policy", Set.of("queue", "merge", "interrupt"))),
      v.intValue("midTurn.maxRestarts", 0, 100));
    return coalesce; // (a maxWait below the quiet window simply flushes every burst at maxWait)
  }

  private static long day() {
    return 86_400_000L;
  }

  public static final Set<String> JOURNAL_TYPES = Set.of("sqlite", "postgres", "memory");

  private static Retry retry(ConfigValues v) {
    Retry retry = new Retry(v.intValue("retry.maxAttempts", 1, 100), v.longValue("retry.initialBackoff", 1, 86_400_000L),
      v.longValue("retry.maxBackoff", 1, 86_400_000L));
    if (retry.maxBackoff() < retry.initialBackoff()) {
      throw v.problem("retry.maxBackoff", "must be at least retry.initialBackoff (" + retry.initialBackoff() + ")");
    }
    return retry;
  }

  private static JournalSettings journal(ConfigValues v) {
    String type = v.oneOf("journal.type", JOURNAL_TYPES);
    String path = v.optionalString("journal.path");
    if ("sqlite".equals(type) && path == null) {
      throw v.problem("journal.path", "must be set for journal.type sqlite");
    }
    JournalSettings.Postgres postgres = new JournalSettings.Postgres(
      v.optionalString("journal.postgres.uri") == null ? "" : v.optionalString("journal.postgres.uri"),
      v.string("journal.postgres.host"), v.intValue("journal.postgres.port", 1, 65_535),
      v.string("journal.postgres.database"), v.string("journal.postgres.user"),
      v.optionalString("journal.postgres.password") == null ? "" : v.optionalString("journal.postgres.password"),
      v.string("journal.postgres.schema"), v.intValue("journal.postgres.poolSize", 1, 256));
    return new JournalSettings(type, path == null ? "" : path, v.longValue("journal.retention", 0, 365 * 86_400_000L),
      postgres);
  }

  /** The lower bound of every numeric key, as validated (the README's Configuration table documents each). */
  static java.util.Map<String, Long> minimums() {
    ConfigValues values = new ConfigValues(defaults(), ValueOrigins.object(new JsonObject()));
    read(values);
    return values.minimums();
  }

  private static void requireHttpUrl(ConfigValues v, String value, String key) {
    try {
      java.net.URI uri = new java.net.URI(value);
      if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new java.net.URISyntaxException(value, "not an absolute http(s) URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw v.problem(key, "must be an absolute http(s) URL, got '" + value + "'");
    }
  }

  private static void requireSet(ConfigValues v, String value, String key, String becauseKey) {
    if (value == null) {
      throw new ConfigException("Invalid configuration: '" + key + "' must be set because '" + becauseKey + "' is '"
        + v.raw(becauseKey) + "' (" + v.origins().describe(becauseKey) + "); " + v.origins().howToSet(key));
    }
  }

  /** The settings an operator cares about, as shown in statistics (no secrets). */
  public JsonObject toStatsJson() {
    return new JsonObject()
      .put("processingTimeout", processingTimeout)
      .put("lockTimeout", lockTimeout)
      .put("maxQueueSize", maxQueueSize)
      .put("deadlockCheckInterval", deadlockCheckInterval)
      .put("maxConcurrentContacts", maxConcurrentContacts)
      .put("queueOverflow", queueOverflow.configName())
      .put("dedupWindow", dedupWindow)
      .put("dedupMaxEntries", dedupMaxEntries)
      .put("shutdownGracePeriod", shutdownGracePeriod)
      .put("idleContactTtl", idleContactTtl)
      .put("maxTotalQueued", maxTotalQueued)
      .put("maxContacts", maxContacts)
      .put("processorType", processor.type())
      .put("journalType", journal.type())
      .put("maxMessageAge", maxMessageAge)
      .put("retryMaxAttempts", retry.maxAttempts())
      .put("handoffPauseTtl", handoff.pauseTtl())
      .put("handoffOnResume", handoff.onResume().configName())
      .put("handoffMaxHeld", handoff.maxHeld())
      .put("coalesceQuietWindow", coalesce.quietWindow())
      .put("midTurnPolicy", coalesce.midTurn().configName())
      .put("historySize", conversation.historySize())
      .put("rateLimit", conversation.rateLimit())
      .put("dailyAgentCalls", conversation.dailyAgentCalls());
  }
}
