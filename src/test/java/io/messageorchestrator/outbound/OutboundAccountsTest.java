package io.messageorchestrator.outbound;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.ConfigLoader;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.config.OutboundSettings;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.outbound.OutboundVerticleTest.FakeProvider;
import io.messageorchestrator.outbound.OutboundVerticleTest.Recorded;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * V6: several business numbers in one deployment. {@code outbound.accounts} gives each account (Cloud API phone
 * number id, Evolution instance, number of an {@code http} gateway) its own credentials; a reply leaves with its
 * conversation's account's; the single-number settings stay the fallback.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class OutboundAccountsTest {
  private static final String SHOP_TOKEN = "shop-token-7f3a";
  private static final String CLINIC_TOKEN = "clinic-token-91c2";
  private static final String FALLBACK_TOKEN = "fallback-token-55d0";

  // ---------------------------------------------------------------- configuration

  @Test
  @DisplayName("outbound.accounts is read from the file as an object and from OUTBOUND_ACCOUNTS as JSON text; outbound.token is then optional")
  void accountsFromFileAndEnvironment() {
    JsonObject file = new JsonObject().put("outbound", new JsonObject().put("type", "whatsapp-cloud")
      .put("url", "https://graph.facebook.com").put("accounts", new JsonObject()
        .put("111", new JsonObject().put("token", SHOP_TOKEN))
        .put("222", new JsonObject().put("token", CLINIC_TOKEN).put("url", "https://graph.example.com/"))));

    OutboundSettings fromFile = ConfigLoader.resolve(file, Map.of()).outbound();
    OutboundSettings fromEnv = ConfigLoader.resolve(new JsonObject(), Map.of("OUTBOUND_TYPE", "whatsapp-cloud",
      "OUTBOUND_URL", "https://graph.facebook.com",
      "OUTBOUND_ACCOUNTS", "{\"111\": {\"token\": \"" + SHOP_TOKEN + "\"}}")).outbound();

    assertThat(fromFile.token()).isNull();
    assertThat(fromFile.accounts()).containsOnlyKeys("111", "222");
    assertThat(fromFile.accounts().get("111")).isEqualTo(new OutboundSettings.Account(SHOP_TOKEN, null));
    assertThat(fromFile.accounts().get("222").url()).as("trailing slash trimmed").isEqualTo("https://graph.example.com");
    assertThat(fromEnv.accounts()).containsOnlyKeys("111");
    assertThat(fromEnv.accounts().get("111").token()).isEqualTo(SHOP_TOKEN);
    assertThat(OrchestratorConfig.from(new JsonObject()).outbound().accounts()).as("default: none").isEmpty();
  }

  @Test
  @DisplayName("without outbound.accounts, whatsapp-cloud and evolution still require outbound.token (single-number settings unchanged)")
  void singleNumberStillNeedsItsToken() {
    assertThatThrownBy(() -> OutboundSettings.fromJson(new JsonObject().put("type", "evolution")
      .put("url", "https://evo.example.com")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("'outbound.token' must be set");
  }

  @Test
  @DisplayName("a bad outbound.accounts is refused naming the key and the entry, never echoing a token")
  void invalidAccountsNameTheKey() {
    Map<String, JsonObject> cases = Map.of(
      "entry '111' must be an object", accounts(new JsonObject().put("111", SHOP_TOKEN)),
      "entry '111': 'token' must be a non-empty string", accounts(new JsonObject().put("111", new JsonObject())),
      "entry '111': unknown field 'tokn'", accounts(new JsonObject().put("111", new JsonObject()
        .put("token", SHOP_TOKEN).put("tokn", SHOP_TOKEN))),
      "entry '111': 'url' must be an absolute http(s) URL", accounts(new JsonObject().put("111", new JsonObject()
        .put("token", SHOP_TOKEN).put("url", "graph.facebook.com"))),
      "entry 'default'", accounts(new JsonObject().put("default", new JsonObject().put("token", SHOP_TOKEN))),
      "must be a JSON object", new JsonObject().put("type", "whatsapp-cloud").put("url", "https://x.example")
        .put("accounts", 42));
    cases.forEach((problem, outbound) -> assertThatThrownBy(() -> OutboundSettings.fromJson(outbound))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'outbound.accounts'")
      .hasMessageContaining(problem)
      .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SHOP_TOKEN)));

    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject(), Map.of("OUTBOUND_ACCOUNTS",
      "{\"111\": {\"token\": \"" + SHOP_TOKEN + "\"")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'outbound.accounts' (set by environment variable OUTBOUND_ACCOUNTS)")
      .hasMessageContaining("not a JSON object")
      .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SHOP_TOKEN));
  }

  @Test
  @DisplayName("the settings as printed (start-up log, statistics) list the account ids but none of their tokens")
  void printedSettingsHaveNoSecrets() {
    OutboundSettings settings = twoCloudAccounts("https://graph.facebook.com", FALLBACK_TOKEN);

    String printed = settings + " " + settings.toStatsJson().encode() + " " + settings.accounts();

    assertThat(printed).contains("111", "222").doesNotContain(SHOP_TOKEN, CLINIC_TOKEN, FALLBACK_TOKEN);
  }

  // ---------------------------------------------------------------- delivery

  @Test
  @DisplayName("Cloud API: each account's reply goes to its own phone number id with its own token; an unlisted one uses the single-number token")
  void cloudRepliesUseTheirAccountsCredentials(Vertx vertx) {
    FakeProvider provider = Await.result(new FakeProvider(vertx, FakeProvider.always(200)).start());
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    try (Logs logs = Logs.capture()) {
      Await.result(vertx.deployVerticle(new OutboundVerticle(twoCloudAccounts(provider.url(), FALLBACK_TOKEN), 1_000)));

      publish(vertx, processed("5511999990000", "p-shop", "111", "your order ships today"));
      publish(vertx, processed("5511999990000", "p-clinic", "222", "see you at 3 pm"));
      publish(vertx, processed("5511999990000", "p-other", "333", "hello from the third number"));
      events.awaitAll(OutboundEvents.REPLY_DELIVERED, 3);

      Map<String, Recorded> byText = byText(provider);
      assertThat(byText.get("your order ships today").path()).isEqualTo("/v21.0/111/messages");
      assertThat(byText.get("your order ships today").headers().get("Authorization")).isEqualTo("Bearer " + SHOP_TOKEN);
      assertThat(byText.get("see you at 3 pm").path()).isEqualTo("/v21.0/222/messages");
      assertThat(byText.get("see you at 3 pm").headers().get("Authorization")).isEqualTo("Bearer " + CLINIC_TOKEN);
      assertThat(byText.get("hello from the third number").path()).as("sender from the message's metadata")
        .isEqualTo("/v21.0/333/messages");
      assertThat(byText.get("hello from the third number").headers().get("Authorization"))
        .isEqualTo("Bearer " + FALLBACK_TOKEN);
      assertThat(logs.text()).contains("111").doesNotContain(SHOP_TOKEN, CLINIC_TOKEN, FALLBACK_TOKEN);
    }
  }

  @Test
  @DisplayName("an account's own url sends its replies to its own server")
  void accountUrlOverridesOutboundUrl(Vertx vertx) {
    FakeProvider main = Await.result(new FakeProvider(vertx, FakeProvider.always(200)).start());
    FakeProvider other = Await.result(new FakeProvider(vertx, FakeProvider.always(200)).start());
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    OutboundSettings settings = OutboundSettings.fromJson(fast().put("type", "evolution").put("url", main.url())
      .put("accounts", new JsonObject()
        .put("sales", new JsonObject().put("token", SHOP_TOKEN))
        .put("support team", new JsonObject().put("token", CLINIC_TOKEN).put("url", other.url()))));
    Await.result(vertx.deployVerticle(new OutboundVerticle(settings, 1_000)));

    publish(vertx, processed("5511999990000", "p1", "sales", "from sales"));
    publish(vertx, processed("5511999990000", "p2", "support team", "from support"));
    events.awaitAll(OutboundEvents.REPLY_DELIVERED, 2);

    assertThat(main.requests).singleElement().satisfies(request -> {
      assertThat(request.path()).isEqualTo("/message/sendText/sales");
      assertThat(request.headers().get(EvolutionReplySender.API_KEY_HEADER)).isEqualTo(SHOP_TOKEN);
    });
    assertThat(other.requests).singleElement().satisfies(request -> {
      assertThat(request.path()).isEqualTo("/message/sendText/support%20team");
      assertThat(request.headers().get(EvolutionReplySender.API_KEY_HEADER)).isEqualTo(CLINIC_TOKEN);
    });
  }

  @Test
  @DisplayName("a reply of an account with no credentials and no single-number token fails at once: replyFailed (rejected, naming the account), counted, never sent")
  void accountWithoutCredentialsFailsClearly(Vertx vertx) {
    FakeProvider provider = Await.result(new FakeProvider(vertx, FakeProvider.always(200)).start());
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED, OutboundEvents.REPLY_FAILED);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Await.result(vertx.deployVerticle(new OutboundVerticle(twoCloudAccounts(provider.url(), null), 1_000, registry)));

    publish(vertx, processed("5511999990000", "p-unknown", "333", "nobody can send this"));
    publish(vertx, processed("5511999990000", "p-shop", "111", "this one leaves"));

    JsonObject failed = events.awaitAll(OutboundEvents.REPLY_FAILED, 1).get(0);
    events.awaitAll(OutboundEvents.REPLY_DELIVERED, 1);
    assertThat(failed.getString("processId")).isEqualTo("p-unknown");
    assertThat(failed.getString("reason")).isEqualTo(OutboundEvents.REASON_REJECTED);
    assertThat(failed.getString("error")).contains("no credentials for account '333'");
    assertThat(failed.getInteger("attempts")).isEqualTo(1);
    assertThat(registry.get(ReplyMetrics.REPLIES).tag("result", "failed").counter().count()).isEqualTo(1);
    assertThat(provider.texts()).containsExactly("this one leaves");
  }

  @Test
  @DisplayName("an http gateway receives the account with each reply, and the account's bearer token")
  void httpCallbackPerAccount(Vertx vertx) {
    FakeProvider provider = Await.result(new FakeProvider(vertx, FakeProvider.always(200)).start());
    EventRecorder events = EventRecorder.attach(vertx, OutboundEvents.REPLY_DELIVERED);
    OutboundSettings settings = OutboundSettings.fromJson(fast().put("type", "http").put("url", provider.url())
      .put("accounts", new JsonObject().put("whatsapp:+14155238886", new JsonObject().put("token", SHOP_TOKEN))));
    Await.result(vertx.deployVerticle(new OutboundVerticle(settings, 1_000)));

    publish(vertx, processed("5511999990000", "p1", "whatsapp:+14155238886", "listed"));
    publish(vertx, processed("5511999990000", "p2", "default", "unlisted"));
    events.awaitAll(OutboundEvents.REPLY_DELIVERED, 2);

    Map<String, Recorded> byText = byText(provider);
    assertThat(byText.get("listed").body().getString("account")).isEqualTo("whatsapp:+14155238886");
    assertThat(byText.get("listed").headers().get("Authorization")).isEqualTo("Bearer " + SHOP_TOKEN);
    assertThat(byText.get("unlisted").body().getString("account")).isEqualTo("default");
    assertThat(byText.get("unlisted").headers().get("Authorization")).as("no token configured: none sent").isNull();
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject fast() {
    return new JsonObject().put("initialBackoff", 10).put("maxBackoff", 40).put("timeout", 2_000);
  }

  private static JsonObject accounts(JsonObject accounts) {
    return new JsonObject().put("type", "whatsapp-cloud").put("url", "https://graph.facebook.com")
      .put("accounts", accounts);
  }

  /** Accounts 111 (shop) and 222 (clinic); {@code fallbackToken} is the single-number token (may be null). */
  private static OutboundSettings twoCloudAccounts(String url, String fallbackToken) {
    JsonObject outbound = fast().put("type", "whatsapp-cloud").put("url", url).put("accounts", new JsonObject()
      .put("111", new JsonObject().put("token", SHOP_TOKEN))
      .put("222", new JsonObject().put("token", CLINIC_TOKEN)));
    return OutboundSettings.fromJson(fallbackToken == null ? outbound : outbound.put("token", fallbackToken));
  }

  /** A {@code messageProcessed} event of a conversation with {@code account}, its metadata naming that number. */
  private static JsonObject processed(String contactId, String processId, String account, String response) {
    JsonObject metadata = new JsonObject().put("phone_number_id", account).put("instance", account);
    return new JsonObject().put("contactId", contactId).put("account", account).put("processId", processId)
      .put("messageId", "m-" + processId).put("outcome", "processed").put("response", response)
      .put("fallback", false).put("queued", false).put("duration", 5)
      .put("message", new JsonObject().put("text", "question").put("messageId", "m-" + processId)
        .put("type", "text").put("timestamp", 1_717_689_097_000L).put("metadata", metadata));
  }

  private static void publish(Vertx vertx, JsonObject event) {
    vertx.eventBus().publish(Addresses.event(Events.MESSAGE_PROCESSED), event);
  }

  private static Map<String, Recorded> byText(FakeProvider provider) {
    List<String> texts = provider.texts();
    return provider.requests.stream().collect(Collectors.toMap(request -> texts.get(request.index()),
      Function.identity()));
  }

  /** Everything the service logs, at every level, while open. */
  static final class Logs implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger("io.messageorchestrator");
    private final Level previous = root.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    static Logs capture() {
      return new Logs();
    }

    private Logs() {
      appender.setContext(root.getLoggerContext());
      appender.start();
      root.setLevel(Level.TRACE);
      root.addAppender(appender);
    }

    String text() {
      synchronized (appender) {
        return appender.list.stream().map(line -> line.getFormattedMessage()
          + (line.getThrowableProxy() == null ? "" : " " + line.getThrowableProxy().getMessage()))
          .collect(Collectors.joining("\n"));
      }
    }

    @Override
    public void close() {
      root.detachAppender(appender);
      root.setLevel(previous);
    }
  }
}
