package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Unknown configuration keys")
class UnknownKeysTest {

  private static final String FILE = "file 'conf/prod.json'";

  @Test
  @DisplayName("a misspelt top-level key in the file is refused, naming the closest known key and the file")
  void misspeltTopLevelKeyIsRefused() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("procesingTimeout", 1_000), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'procesingTimeout'")
      .hasMessageContaining("did you mean 'processingTimeout'?")
      .hasMessageContaining(FILE);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "http.prot, http.port",
    "http.maxBodySise, http.maxBodySize",
    "processor.clas, processor.class",
    "processor.workerInstance, processor.workerInstances",
    "outbound.maxAtempts, outbound.maxAttempts",
    "outbound.sendFallback, outbound.sendFallbacks",
    "admin.tokn, admin.token",
    "events.step, events.steps",
    "whatsapp.appSecrett, whatsapp.appSecret",
    "twilio.publicURL, twilio.publicUrl",
  })
  @DisplayName("a misspelt key inside a group is refused with its full path and the closest known key")
  void misspeltNestedKeyIsRefused(String misspelt, String known) {
    String[] parts = misspelt.split("\\.");
    JsonObject file = new JsonObject().put(parts[0], new JsonObject().put(parts[1], "1"));

    assertThatThrownBy(() -> ConfigLoader.resolve(file, FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key '" + misspelt + "'")
      .hasMessageContaining("did you mean '" + known + "'?");
  }

  @Test
  @DisplayName("a known key placed in the wrong group is refused, pointing at the right place")
  void keyInWrongGroupPointsToItsGroup() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("port", 9_000), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'port'")
      .hasMessageContaining("did you mean 'http.port'?");
  }

  @Test
  @DisplayName("an unknown group is refused")
  void unknownGroupIsRefused() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("htp", new JsonObject().put("port", 1)), FILE,
      Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'htp'")
      .hasMessageContaining("did you mean 'http'?");
  }

  @Test
  @DisplayName("an unknown key with no close match lists the keys known at its level")
  void unrelatedKeyListsKnownKeys() {
    assertThatThrownBy(() -> ConfigLoader.resolve(
      new JsonObject().put("admin", new JsonObject().put("favouriteColour", "blue")), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'admin.favouriteColour'")
      .hasMessageContaining("known keys in 'admin': token");
  }

  @Test
  @DisplayName("OrchestratorConfig.from (embedders) refuses unknown keys too")
  void fromRefusesUnknownKeys() {
    assertThatThrownBy(() -> OrchestratorConfig.from(new JsonObject().put("maxQueueSise", 3)))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'maxQueueSise'")
      .hasMessageContaining("did you mean 'maxQueueSize'?");
  }

  @Test
  @DisplayName("OutboundSettings.fromJson and WebhookSettings.from refuse unknown keys of their groups")
  void groupReadersRefuseUnknownKeys() {
    assertThatThrownBy(() -> OutboundSettings.fromJson(new JsonObject().put("tokn", "x")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'outbound.tokn'")
      .hasMessageContaining("did you mean 'outbound.token'?");
    assertThatThrownBy(() -> WebhookSettings.from(new JsonObject().put("webhook", new JsonObject().put("secrett", "x"))))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("unknown key 'webhook.secrett'")
      .hasMessageContaining("did you mean 'webhook.secret'?");
  }

  @Test
  @DisplayName("every key of the defaults is accepted")
  void everyKnownKeyIsAccepted() {
    assertThat(ConfigLoader.resolve(OrchestratorConfig.defaults(), FILE, Map.of()))
      .isEqualTo(OrchestratorConfig.from(new JsonObject()));
  }

  @Test
  @DisplayName("the edit distance counts insertions, deletions and substitutions")
  void levenshtein() {
    assertThat(KnownKeys.levenshtein("procesingtimeout", "processingtimeout")).isEqualTo(1);
    assertThat(KnownKeys.levenshtein("kitten", "sitting")).isEqualTo(3);
    assertThat(KnownKeys.levenshtein("", "abc")).isEqualTo(3);
    assertThat(KnownKeys.levenshtein("same", "same")).isZero();
  }
}
