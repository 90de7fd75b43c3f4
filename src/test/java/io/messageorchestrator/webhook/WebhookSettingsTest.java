package io.messageorchestrator.webhook;

import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.WebhookSettings;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookSettingsTest {

  @Test
  void defaultsLeaveEverythingUnset() {
    assertThat(WebhookSettings.from(new JsonObject())).isEqualTo(WebhookSettings.unconfigured());
    assertThat(WebhookSettings.defaults().fieldNames()).containsExactlyInAnyOrder("whatsapp", "evolution", "webhook",
      "twilio");
  }

  @Test
  void readsEveryGroupAndTreatsBlankAsUnset() {
    WebhookSettings settings = WebhookSettings.from(new JsonObject()
      .put("whatsapp", new JsonObject().put("verifyToken", "tok-123").put("appSecret", "  "))
      .put("evolution", new JsonObject().put("apiKey", "key-456").put("acceptGroups", "true"))
      .put("webhook", new JsonObject().put("secret", "s"))
      .put("twilio", new JsonObject().put("authToken", "t").put("publicUrl", "https://example.com/webhook/twilio")));
    assertThat(settings).isEqualTo(new WebhookSettings("tok-123", null, "key-456", true, "s", "t",
      "https://example.com/webhook/twilio"));
    assertThat(settings.toString()).doesNotContain("tok-123").doesNotContain("key-456");
  }

  @Test
  void rejectsAMistypedSwitch() {
    assertThatThrownBy(() -> WebhookSettings.from(new JsonObject()
      .put("evolution", new JsonObject().put("acceptGroups", "maybe"))))
      .isInstanceOf(ConfigException.class).hasMessageContaining("evolution.acceptGroups");
  }
}
