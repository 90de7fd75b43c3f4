package io.messageorchestrator.outbound;

import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.OutboundSettings;
import io.messageorchestrator.config.OutboundSettings.Type;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboundSettingsTest {

  @Test
  @DisplayName("the defaults log replies, retried for an hour with no attempt cap, and send fallbacks")
  void defaults() {
    OutboundSettings settings = OutboundSettings.fromJson(new JsonObject());
    assertThat(settings.type()).isEqualTo(Type.LOG);
    assertThat(settings.url()).isNull();
    assertThat(settings.token()).isNull();
    assertThat(settings.phoneNumberId()).isNull();
    assertThat(settings.instance()).isNull();
    assertThat(settings.apiVersion()).isEqualTo("v21.0");
    assertThat(settings.maxAttempts()).isZero();
    assertThat(settings.retryFor()).isEqualTo(3_600_000);
    assertThat(settings.timeout()).isEqualTo(10_000);
    assertThat(settings.initialBackoff()).isEqualTo(500);
    assertThat(settings.maxBackoff()).isEqualTo(30_000);
    assertThat(settings.sendFallbacks()).isTrue();
    assertThat(settings.maxPending()).isEqualTo(100_000);
  }

  @Test
  @DisplayName("values may be strings, as environment overrides deliver them; the URL loses its trailing slash")
  void stringValues() {
    OutboundSettings settings = OutboundSettings.fromJson(new JsonObject().put("type", "whatsapp-cloud")
      .put("url", "https://graph.facebook.com/").put("token", "t").put("maxAttempts", "3")
      .put("sendFallbacks", "false").put("phoneNumberId", "123"));
    assertThat(settings.type()).isEqualTo(Type.WHATSAPP_CLOUD);
    assertThat(settings.url()).isEqualTo("https://graph.facebook.com");
    assertThat(settings.maxAttempts()).isEqualTo(3);
    assertThat(settings.sendFallbacks()).isFalse();
    assertThat(settings.phoneNumberId()).isEqualTo("123");
  }

  @Test
  @DisplayName("invalid settings fail with a message naming the key and where its value came from")
  void invalidSettingsNameTheirKey() {
    assertInvalid(new JsonObject().put("type", "sms"), "'outbound.type' (set in the configuration object)");
    assertInvalid(new JsonObject().put("type", "evolution").put("token", "k"), "'outbound.url'");
    assertInvalid(new JsonObject().put("type", "http").put("url", "ftp://x"), "'outbound.url'");
    assertInvalid(new JsonObject().put("type", "http").put("url", "not a url"), "'outbound.url'");
    assertInvalid(new JsonObject().put("type", "whatsapp-cloud").put("url", "https://graph.facebook.com"),
      "'outbound.token' must be set");
    assertInvalid(new JsonObject().put("apiVersion", "21"), "'outbound.apiVersion'");
    assertInvalid(new JsonObject().put("maxAttempts", -1), "'outbound.maxAttempts'");
    assertInvalid(new JsonObject().put("retryFor", 0), "'outbound.retryFor'");
    assertInvalid(new JsonObject().put("timeout", 0), "'outbound.timeout'");
    assertInvalid(new JsonObject().put("initialBackoff", 1000).put("maxBackoff", 10), "'outbound.maxBackoff'");
    assertInvalid(new JsonObject().put("maxPending", -1), "'outbound.maxPending'");
    assertInvalid(new JsonObject().put("sendFallbacks", "maybe"), "'outbound.sendFallbacks'");
  }

  @Test
  @DisplayName("the token never appears in toString or statistics")
  void tokenIsNeverPrinted() {
    OutboundSettings settings = OutboundSettings.fromJson(new JsonObject().put("type", "evolution")
      .put("url", "http://evolution:8080").put("token", "very-secret-key"));
    assertThat(settings.toString()).doesNotContain("very-secret-key").contains("***");
    assertThat(settings.toStatsJson().encode()).doesNotContain("very-secret-key");
  }

  @Test
  @DisplayName("defaults() has every key of the group, blank strings for unset values")
  void defaultsShape() {
    assertThat(OutboundSettings.defaults().fieldNames()).containsExactlyInAnyOrder("type", "url", "token",
      "phoneNumberId", "instance", "apiVersion", "maxAttempts", "retryFor", "timeout", "initialBackoff", "maxBackoff",
      "sendFallbacks", "maxPending", "accounts");
    assertThat(OutboundSettings.defaults().getString("phoneNumberId")).isEmpty();
  }

  private static void assertInvalid(JsonObject outbound, String keyMention) {
    assertThatThrownBy(() -> OutboundSettings.fromJson(outbound)).isInstanceOf(ConfigException.class)
      .hasMessageContaining(keyMention);
  }
}
