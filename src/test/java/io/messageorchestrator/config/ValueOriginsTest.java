package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Configuration errors name where the value came from")
class ValueOriginsTest {

  private static final String FILE = "file 'conf/prod.json'";

  @Test
  @DisplayName("an invalid value from the file names the file, not an environment variable")
  void valueFromFileNamesTheFile() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("lockTimeout", -1), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'lockTimeout' (set in " + FILE + ")")
      .hasMessageNotContaining("env")
      .hasMessageNotContaining("LOCK_TIMEOUT");
  }

  @Test
  @DisplayName("an invalid value inside a group of the file names the file")
  void nestedValueFromFileNamesTheFile() {
    assertThatThrownBy(() -> ConfigLoader.resolve(
      new JsonObject().put("http", new JsonObject().put("maxBodySize", 100)), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'http.maxBodySize' (set in " + FILE + ") must be between 1024 and")
      .hasMessageNotContaining("HTTP_MAX_BODY_SIZE");
  }

  @Test
  @DisplayName("an invalid value from the environment names the variable, even when the file sets the key too")
  void valueFromEnvironmentNamesTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("http", new JsonObject().put("port", 9_000)),
      FILE, Map.of("HTTP_PORT", "eighty")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'http.port' (set by environment variable HTTP_PORT) must be")
      .hasMessageContaining("'eighty'")
      .hasMessageNotContaining(FILE);
  }

  @Test
  @DisplayName("cross-field checks in OutboundSettings name the source of each value")
  void outboundChecksNameTheSource() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("outbound", new JsonObject()
      .put("initialBackoff", 2_000).put("maxBackoff", 1_000)), FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'outbound.maxBackoff' (set in " + FILE + ") must be at least outbound.initialBackoff")
      .hasMessageNotContaining("env ");
  }

  @Test
  @DisplayName("a value required by another names the other's source and how to set the missing one")
  void missingRequiredValueSaysHowToSetIt() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject(), FILE, Map.of("PROCESSOR_TYPE", "http")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'processor.url' must be set because 'processor.type' is 'http'"
        + " (set by environment variable PROCESSOR_TYPE)")
      .hasMessageContaining("set it in " + FILE + " or with environment variable PROCESSOR_URL");
    assertThatThrownBy(() -> ConfigLoader.resolve(
      new JsonObject().put("outbound", new JsonObject().put("type", "evolution").put("url", "http://evo.local")),
      FILE, Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("'outbound.token' must be set because 'outbound.type' is 'evolution' (set in " + FILE + ")")
      .hasMessageContaining("OUTBOUND_TOKEN");
  }
}
