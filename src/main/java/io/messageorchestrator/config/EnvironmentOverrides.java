package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Environment variables override configuration keys by path in upper snake case: {@code processingTimeout} is
 * {@code PROCESSING_TIMEOUT}, {@code http.port} is {@code HTTP_PORT}. Only keys that exist in the defaults are
 * mapped, so unrelated variables never leak into the configuration.
 */
public final class EnvironmentOverrides {
  private EnvironmentOverrides() {
  }

  /** {@code processor.url} → {@code PROCESSOR_URL}; {@code maxQueueSize} → {@code MAX_QUEUE_SIZE}. */
  public static String envName(String path) {
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '.') {
        name.append('_');
      } else if (Character.isUpperCase(c)) {
        name.append('_').append(c);
      } else {
        name.append(Character.toUpperCase(c));
      }
    }
    return name.toString().toUpperCase(Locale.ROOT);
  }

  /** The environment variable names of every leaf key of {@code shape}. */
  public static Set<String> envNames(JsonObject shape) {
    Set<String> names = new LinkedHashSet<>();
    collectNames("", shape, names);
    return names;
  }

  private static void collectNames(String prefix, JsonObject shape, Set<String> names) {
    for (Map.Entry<String, Object> entry : shape) {
      String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
      if (entry.getValue() instanceof JsonObject group) {
        collectNames(path, group, names);
      } else {
        names.add(envName(path));
      }
    }
  }

  /**
   * Copies into {@code target} each leaf of {@code shape} whose environment variable is set in {@code env}.
   *
   * @return the dotted paths that an environment variable set
   */
  public static Set<String> apply(JsonObject shape, JsonObject target, Map<String, String> env) {
    Set<String> applied = new LinkedHashSet<>();
    applyAt("", shape, target, env, applied);
    return applied;
  }

  private static void applyAt(String prefix, JsonObject shape, JsonObject target, Map<String, String> env,
                              Set<String> applied) {
    for (Map.Entry<String, Object> entry : shape) {
      String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
      if (entry.getValue() instanceof JsonObject group) {
        Object existingValue = target.getValue(entry.getKey());
        if (existingValue != null && !(existingValue instanceof JsonObject)) {
          throw new ConfigException("Invalid configuration: '" + path + "' must be an object");
        }
        JsonObject targetGroup = existingValue instanceof JsonObject existing ? existing : new JsonObject();
        target.put(entry.getKey(), targetGroup);
        applyAt(path, group, targetGroup, env, applied);
      } else {
        String value = env.get(envName(path));
        if (value != null) {
          target.put(entry.getKey(), value);
          applied.add(path);
        }
      }
    }
  }
}
