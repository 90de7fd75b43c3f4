package io.messageorchestrator.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, validated reads of dotted keys ({@code http.port}) from a configuration object. Values may be JSON numbers
 * or strings (environment overrides arrive as strings); anything else fails with a {@link ConfigException} naming
 * the key and where its value came from (file, environment variable or default).
 */
final class ConfigValues {
  private final JsonObject root;
  private final ValueOrigins origins;
  /** The lower bound each numeric key was checked against, in reading order (the README documents them). */
  private final Map<String, Long> minimums = new LinkedHashMap<>();

  ConfigValues(JsonObject root, ValueOrigins origins) {
    this.root = root;
    this.origins = origins;
  }

  ValueOrigins origins() {
    return origins;
  }

  Map<String, Long> minimums() {
    return minimums;
  }

  Object raw(String path) {
    return raw(root, path);
  }

  static Object raw(JsonObject root, String path) {
    JsonObject node = root;
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.getValue(parts[i]);
      if (!(child instanceof JsonObject object)) {
        return null;
      }
      node = object;
    }
    return node.getValue(parts[parts.length - 1]);
  }

  long longValue(String path, long min, long max) {
    minimums.put(path, min);
    Object value = raw(path);
    long parsed;
    if (value instanceof Number number) {
      if (number.doubleValue() != number.longValue()) {
        throw invalid(path, value, "a whole number");
      }
      parsed = number.longValue();
    } else if (value instanceof String text) {
      try {
        parsed = Long.parseLong(text.trim());
      } catch (NumberFormatException e) {
        throw invalid(path, value, "a whole number");
      }
    } else if (value == null) {
      throw new ConfigException("Invalid configuration: '" + path + "' is missing (" + origins.howToSet(path) + ")");
    } else {
      throw invalid(path, value, "a whole number");
    }
    if (parsed < min || parsed > max) {
      throw invalid(path, value, "between " + min + " and " + max);
    }
    return parsed;
  }

  int intValue(String path, int min, int max) {
    return (int) longValue(path, min, max);
  }

  boolean booleanValue(String path) {
    Object value = raw(path);
    if (value instanceof Boolean bool) {
      return bool;
    }
    if (value instanceof String text && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(text);
    }
    throw invalid(path, value, "true or false");
  }

  /** A string; {@code null} and blank become {@code null} (an unset optional value). */
  String optionalString(String path) {
    Object value = raw(path);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String) && !(value instanceof Number) && !(value instanceof Boolean)) {
      throw invalid(path, value, "a string");
    }
    String text = value.toString();
    return text.isBlank() ? null : text;
  }

  String string(String path) {
    String value = optionalString(path);
    if (value == null) {
      throw new ConfigException("Invalid configuration: '" + path + "' (" + origins.describe(path)
        + ") must not be empty");
    }
    return value;
  }

  /**
   * A list of strings: a JSON array of strings, or one comma-separated string (as an environment variable gives
   * it). Entries are trimmed; blank entries are dropped.
   */
  List<String> stringList(String path) {
    Object value = raw(path);
    List<String> items = new ArrayList<>();
    if (value instanceof String text) {
      items.addAll(Arrays.asList(text.split(",")));
    } else if (value instanceof JsonArray array) {
      for (Object item : array) {
        if (!(item instanceof String text)) {
          throw invalid(path, value, "a list of strings");
        }
        items.add(text);
      }
    } else if (value != null) {
      throw invalid(path, value, "a list of strings or a comma-separated string");
    }
    return items.stream().map(String::trim).filter(item -> !item.isEmpty()).toList();
  }

  String oneOf(String path, Set<String> allowed) {
    String value = string(path);
    if (!allowed.contains(value)) {
      throw invalid(path, value, "one of " + allowed);
    }
    return value;
  }

  private ConfigException invalid(String path, Object value, String expected) {
    return problem(path, "must be " + expected + ", got " + (value instanceof String ? "'" + value + "'" : value));
  }

  /** {@code Invalid configuration: 'lockTimeout' (set in file 'x.json') <problem>}. */
  ConfigException problem(String path, String problem) {
    return new ConfigException("Invalid configuration: '" + path + "' (" + origins.describe(path) + ") " + problem);
  }
}
