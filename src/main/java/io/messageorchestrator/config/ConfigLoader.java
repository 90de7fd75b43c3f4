package io.messageorchestrator.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the configuration: built-in defaults, then the JSON file, then environment variables (which win).
 * The stores are declared explicitly in that order: vertx-config's default retriever would let the file beat the
 * environment.
 */
public final class ConfigLoader {
  public static final String DEFAULT_FILE = "conf/config.json";

  private ConfigLoader() {
  }

  /** @param file a JSON file; when it is the default and absent, the built-in defaults are used */
  public static Future<OrchestratorConfig> load(Vertx vertx, String file) {
    boolean optional = DEFAULT_FILE.equals(file);
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
      .setScanPeriod(0)
      .addStore(new ConfigStoreOptions().setType("file").setFormat("json").setOptional(optional)
        .setConfig(new JsonObject().put("path", file)))
      .addStore(new ConfigStoreOptions().setType("env").setConfig(new JsonObject()
        .put("raw-data", true)
        .put("keys", new JsonArray(List.copyOf(EnvironmentOverrides.envNames(OrchestratorConfig.defaults())))))));
    return retriever.getConfig()
      .eventually(retriever::close)
      .recover(failure -> Future.failedFuture(new ConfigException(
        "Cannot read configuration file '" + file + "': " + failure.getMessage())))
      .map(merged -> {
        // The env store adds the selected variables at the top level, next to the file's keys.
        Set<String> envNames = EnvironmentOverrides.envNames(OrchestratorConfig.defaults());
        JsonObject fileConfig = new JsonObject();
        Map<String, String> env = new HashMap<>();
        for (Map.Entry<String, Object> entry : merged) {
          if (envNames.contains(entry.getKey())) {
            env.put(entry.getKey(), String.valueOf(entry.getValue()));
          } else {
            fileConfig.put(entry.getKey(), entry.getValue());
          }
        }
        return resolve(fileConfig, "file '" + file + "'", env);
      });
  }

  /** Applies environment overrides to a configuration object and validates the result. */
  public static OrchestratorConfig resolve(JsonObject fileConfig, Map<String, String> env) {
    return resolve(fileConfig, "the configuration file", env);
  }

  /**
   * @param source names where {@code fileConfig} came from in error messages, e.g. {@code file 'conf/prod.json'}
   * @throws ConfigException for an unknown key (with the closest known one) or an invalid value, naming whether the
   *                         value came from the file or from an environment variable
   */
  public static OrchestratorConfig resolve(JsonObject fileConfig, String source, Map<String, String> env) {
    JsonObject shape = OrchestratorConfig.defaults();
    KnownKeys.check(shape, fileConfig, source);
    JsonObject effective = shape.copy().mergeIn(fileConfig.copy(), true);
    Set<String> fromEnvironment = EnvironmentOverrides.apply(shape, effective, env);
    return OrchestratorConfig.from(effective, new ValueOrigins(source, fileConfig, fromEnvironment));
  }
}
