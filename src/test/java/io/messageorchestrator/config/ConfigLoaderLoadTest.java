package io.messageorchestrator.config;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
@DisplayName("ConfigLoader.load")
class ConfigLoaderLoadTest {

  @BeforeAll
  static void environmentDoesNotOverrideTheKeysUnderTest() {
    for (String name : new String[] {"PROCESSING_TIMEOUT", "LOCK_TIMEOUT", "MAX_QUEUE_SIZE", "HTTP_PORT", "HTTP_MAX_BODY_SIZE",
      "PROCESSOR_TYPE"}) {
      assumeTrue(System.getenv(name) == null, name + " is set in this environment");
    }
  }

  @Test
  @DisplayName("an explicit JSON file is read: its values beat the defaults, unset keys keep them")
  void readsExplicitFile(Vertx vertx, VertxTestContext testContext, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("orchestrator.json");
    Files.writeString(file, """
      {"processingTimeout": 1500, "maxQueueSize": 3, "http": {"port": 0}}
      """);

    ConfigLoader.load(vertx, file.toString()).onComplete(testContext.succeeding(config -> testContext.verify(() -> {
      assertThat(config.processingTimeout()).isEqualTo(1_500);
      assertThat(config.maxQueueSize()).isEqualTo(3);
      assertThat(config.http().port()).isZero();
      assertThat(config.lockTimeout()).isEqualTo(5_000);
      assertThat(config.http().maxBodySize()).isEqualTo(262_144);
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("an invalid value in the file fails with a ConfigException naming the key")
  void invalidValueInFileFails(Vertx vertx, VertxTestContext testContext, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad-value.json");
    Files.writeString(file, "{\"lockTimeout\": -1}");

    ConfigLoader.load(vertx, file.toString()).onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining("lockTimeout");
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("a misspelt key in the file fails naming the file, the key and the closest known key")
  void misspeltKeyInFileFails(Vertx vertx, VertxTestContext testContext, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("misspelt.json");
    Files.writeString(file, "{\"procesingTimeout\": 1000}");

    ConfigLoader.load(vertx, file.toString()).onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown key 'procesingTimeout' (in file '" + file + "')")
        .hasMessageContaining("did you mean 'processingTimeout'?");
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("an invalid value in the file is reported as set in that file, not by an environment variable")
  void invalidValueNamesTheFile(Vertx vertx, VertxTestContext testContext, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("small-body.json");
    Files.writeString(file, "{\"http\": {\"maxBodySize\": 10}}");

    ConfigLoader.load(vertx, file.toString()).onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'http.maxBodySize' (set in file '" + file + "')")
        .hasMessageNotContaining("env");
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("a missing explicit file fails with a ConfigException naming the file")
  void missingExplicitFileFails(Vertx vertx, VertxTestContext testContext, @TempDir Path dir) {
    String missing = dir.resolve("does-not-exist.json").toString();

    ConfigLoader.load(vertx, missing).onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining(missing);
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("a file that is not valid JSON fails with a ConfigException naming the file")
  void malformedFileFails(Vertx vertx, VertxTestContext testContext, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{\"processingTimeout\": ");

    ConfigLoader.load(vertx, file.toString()).onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class).hasMessageContaining(file.toString());
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("the repository's conf/config.json loads to the built-in defaults")
  void shippedFileLoadsToDefaults(Vertx vertx, VertxTestContext testContext) {
    assumeTrue(System.getenv().keySet().stream()
      .noneMatch(EnvironmentOverrides.envNames(OrchestratorConfig.defaults())::contains),
      "an orchestrator environment variable is set");

    ConfigLoader.load(vertx, ConfigLoader.DEFAULT_FILE).onComplete(testContext.succeeding(config ->
      testContext.verify(() -> {
        assertThat(config).isEqualTo(OrchestratorConfig.from(new io.vertx.core.json.JsonObject()));
        testContext.completeNow();
      })));
  }
}
