package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Where each configuration value came from — a file, an environment variable or the built-in defaults — so that an
 * error names the place the operator has to fix.
 *
 * @param source   what holds the explicitly given keys, e.g. {@code file 'conf/prod.json'}
 * @param given    the explicitly given keys (the file's content), before defaults and environment were merged in
 * @param envPaths dotted paths whose value an environment variable set
 */
record ValueOrigins(String source, JsonObject given, Set<String> envPaths) {

  /** Values given as a JSON object in code (embedders, tests): no file, no environment. */
  static ValueOrigins object(JsonObject given) {
    return new ValueOrigins("the configuration object", given, Set.of());
  }

  /** {@code set by environment variable HTTP_PORT}, {@code set in file 'x.json'} or {@code default}. */
  String describe(String path) {
    if (envPaths.contains(path)) {
      return "set by environment variable " + EnvironmentOverrides.envName(path);
    }
    return ConfigValues.raw(given, path) != null ? "set in " + source : "default";
  }

  /** How an operator sets {@code path}: in the source or with its environment variable. */
  String howToSet(String path) {
    return "set it in " + source + " or with environment variable " + EnvironmentOverrides.envName(path);
  }
}
