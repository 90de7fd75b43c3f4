package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("EnvironmentOverrides")
class EnvironmentOverridesTest {

  @Test
  @DisplayName("envName turns camelCase and dotted paths into upper snake case")
  void envNameMapsPaths() {
    assertThat(EnvironmentOverrides.envName("processingTimeout")).isEqualTo("PROCESSING_TIMEOUT");
    assertThat(EnvironmentOverrides.envName("http.port")).isEqualTo("HTTP_PORT");
    assertThat(EnvironmentOverrides.envName("processor.url")).isEqualTo("PROCESSOR_URL");
    assertThat(EnvironmentOverrides.envName("maxQueueSize")).isEqualTo("MAX_QUEUE_SIZE");
    assertThat(EnvironmentOverrides.envName("http.maxBodySize")).isEqualTo("HTTP_MAX_BODY_SIZE");
    assertThat(EnvironmentOverrides.envName("lockTimeout")).isEqualTo("LOCK_TIMEOUT");
  }

  @Test
  @DisplayName("envNames lists one variable per leaf key of the defaults, and none for groups")
  void envNamesCoversEveryLeaf() {
    assertThat(EnvironmentOverrides.envNames(OrchestratorConfig.defaults()))
      .contains("PROCESSING_TIMEOUT", "LOCK_TIMEOUT", "MAX_QUEUE_SIZE", "DEADLOCK_CHECK_INTERVAL",
        "MAX_CONCURRENT_CONTACTS", "HTTP_PORT", "HTTP_HOST", "PROCESSOR_TYPE", "PROCESSOR_URL",
        "PROCESSOR_ADDRESS", "PROCESSOR_CLASS")
      .doesNotContain("HTTP", "PROCESSOR");
  }

  @Test
  @DisplayName("apply copies only variables that name a known key, into the right group")
  void applyCopiesKnownVariablesOnly() {
    JsonObject target = new JsonObject().put("lockTimeout", 7);
    EnvironmentOverrides.apply(OrchestratorConfig.defaults(), target,
      Map.of("HTTP_PORT", "9090", "PATH", "/usr/bin", "MAX_QUEUE_SIZE", "3"));

    assertThat(target.getJsonObject("http").getValue("port")).isEqualTo("9090");
    assertThat(target.getValue("maxQueueSize")).isEqualTo("3");
    assertThat(target.getValue("lockTimeout")).isEqualTo(7);
    assertThat(target.fieldNames()).doesNotContain("PATH", "path");
  }
}
