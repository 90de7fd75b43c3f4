package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("ConfigLoader.resolve")
class ConfigLoaderResolveTest {

  @Test
  @DisplayName("without file or environment the original's defaults apply")
  void defaultsAreTheOriginals() {
    OrchestratorConfig config = ConfigLoader.resolve(new JsonObject(), Map.of());

    assertThat(config.processingTimeout()).isEqualTo(30_000);
    assertThat(config.lockTimeout()).isEqualTo(5_000);
    assertThat(config.maxQueueSize()).isEqualTo(10);
    assertThat(config.deadlockCheckInterval()).isEqualTo(30_000);
    assertThat(config.maxConcurrentContacts()).isEqualTo(50);
    assertThat(config.queueOverflow()).isEqualTo(OrchestratorConfig.QueueOverflow.REJECT);
    assertThat(config.processor().type()).isEqualTo("echo");
    assertThat(config.http().port()).isEqualTo(8080);
  }

  @Test
  @DisplayName("a file value beats the default and leaves the other defaults alone")
  void fileBeatsDefaults() {
    OrchestratorConfig config = ConfigLoader.resolve(new JsonObject()
      .put("processingTimeout", 1_234)
      .put("http", new JsonObject().put("port", 9_000)), Map.of());

    assertThat(config.processingTimeout()).isEqualTo(1_234);
    assertThat(config.http().port()).isEqualTo(9_000);
    assertThat(config.http().maxBodySize()).isEqualTo(262_144);
    assertThat(config.lockTimeout()).isEqualTo(5_000);
  }

  @Test
  @DisplayName("an environment variable beats the file, at top level and inside a group")
  void environmentBeatsFile() {
    OrchestratorConfig config = ConfigLoader.resolve(new JsonObject()
        .put("processingTimeout", 1_234)
        .put("maxQueueSize", 4)
        .put("http", new JsonObject().put("port", 9_000).put("instances", 2))
        .put("processor", new JsonObject().put("type", "echo")),
      Map.of("PROCESSING_TIMEOUT", "2000", "HTTP_PORT", " 9100 ", "PROCESSOR_TYPE", "http",
        "PROCESSOR_URL", "http://agent.local/reply"));

    assertThat(config.processingTimeout()).isEqualTo(2_000);
    assertThat(config.http().port()).isEqualTo(9_100);
    assertThat(config.http().instances()).isEqualTo(2);
    assertThat(config.maxQueueSize()).isEqualTo(4);
    assertThat(config.processor().type()).isEqualTo("http");
    assertThat(config.processor().url()).isEqualTo("http://agent.local/reply");
  }

  @Test
  @DisplayName("an environment variable beats the default when the file does not set the key or its group")
  void environmentBeatsDefaults() {
    OrchestratorConfig config = ConfigLoader.resolve(new JsonObject(),
      Map.of("MAX_QUEUE_SIZE", "3", "HTTP_MAX_BODY_SIZE", "4096"));

    assertThat(config.maxQueueSize()).isEqualTo(3);
    assertThat(config.http().maxBodySize()).isEqualTo(4_096);
  }

  @Test
  @DisplayName("resolve does not modify the file object it was given")
  void fileObjectIsNotModified() {
    JsonObject file = new JsonObject().put("http", new JsonObject().put("port", 9_000));
    JsonObject before = file.copy();

    ConfigLoader.resolve(file, Map.of("HTTP_PORT", "9100", "LOCK_TIMEOUT", "1"));

    assertThat(file).isEqualTo(before);
  }

  @Test
  @DisplayName("a negative processingTimeout fails naming processingTimeout")
  void negativeProcessingTimeoutFails() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("processingTimeout", -5), Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("processingTimeout")
      .hasMessageContaining("-5");
  }

  @Test
  @DisplayName("a non-numeric HTTP_PORT from the environment fails naming http.port and HTTP_PORT")
  void nonNumericPortFromEnvironmentFails() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject(), Map.of("HTTP_PORT", "eighty")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("http.port")
      .hasMessageContaining("HTTP_PORT")
      .hasMessageContaining("eighty");
  }

  @Test
  @DisplayName("an unknown processor.type fails naming processor.type")
  void unknownProcessorTypeFails() {
    assertThatThrownBy(() -> ConfigLoader.resolve(
      new JsonObject().put("processor", new JsonObject().put("type", "grpc")), Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("processor.type")
      .hasMessageContaining("grpc");
  }

  @Test
  @DisplayName("an unknown queueOverflow policy fails naming queueOverflow")
  void unknownQueueOverflowFails() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("queueOverflow", "dropNewest"), Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("queueOverflow")
      .hasMessageContaining("dropNewest");
  }

  @Test
  @DisplayName("queueOverflow dropOldest is accepted")
  void dropOldestIsAccepted() {
    assertThat(ConfigLoader.resolve(new JsonObject(), Map.of("QUEUE_OVERFLOW", "dropOldest")).queueOverflow())
      .isEqualTo(OrchestratorConfig.QueueOverflow.DROP_OLDEST);
  }

  @Test
  @DisplayName("processor.type http without processor.url fails naming processor.url")
  void httpProcessorWithoutUrlFails() {
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject(), Map.of("PROCESSOR_TYPE", "http")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("processor.url");
  }

  @Test
  @DisplayName("a group given as a non-object in the file fails naming that group instead of being ignored")
  void nonObjectGroupInFileFails() {
    // OrchestratorConfig.from alone rejects this; resolve must not silently replace the bad value with defaults.
    assertThatThrownBy(() -> OrchestratorConfig.from(new JsonObject().put("http", "bogus")))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("http");
    assertThatThrownBy(() -> ConfigLoader.resolve(new JsonObject().put("http", "bogus"), Map.of()))
      .isInstanceOf(ConfigException.class)
      .hasMessageContaining("http");
  }

  @Test
  @DisplayName("conf/config.json in the repository parses and equals the built-in defaults")
  void shippedConfigFileEqualsDefaults() throws Exception {
    JsonObject file = new JsonObject(Files.readString(Path.of(ConfigLoader.DEFAULT_FILE)));

    assertThat(OrchestratorConfig.from(file)).isEqualTo(OrchestratorConfig.from(new JsonObject()));
  }
}
