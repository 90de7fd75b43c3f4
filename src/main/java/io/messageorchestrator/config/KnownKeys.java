package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Refuses keys the service does not know, at every nesting level, so that a misspelt key ({@code procesingTimeout})
 * stops start-up instead of being silently ignored while its default applies. The error names the closest known key.
 */
final class KnownKeys {
  private KnownKeys() {
  }

  /**
   * @param shape  the defaults: every known key, groups as nested objects
   * @param given  the keys to check
   * @param source where {@code given} came from, e.g. {@code file 'conf/prod.json'}
   * @throws ConfigException on the first unknown key, or on a value where a group (object) is expected
   */
  static void check(JsonObject shape, JsonObject given, String source) {
    checkLevel(shape, "", shape, given, source);
  }

  private static void checkLevel(JsonObject root, String prefix, JsonObject shape, JsonObject given, String source) {
    for (Map.Entry<String, Object> entry : given) {
      String path = prefix + entry.getKey();
      if (!shape.containsKey(entry.getKey())) {
        throw new ConfigException("Invalid configuration: unknown key '" + path + "' (in " + source + ")"
          + suggestion(root, prefix, shape, path));
      }
      if (shape.getValue(entry.getKey()) instanceof JsonObject group) {
        if (!(entry.getValue() instanceof JsonObject givenGroup)) {
          throw new ConfigException("Invalid configuration: '" + path + "' (in " + source
            + ") must be an object holding " + String.join(", ", group.fieldNames()) + ", got " + entry.getValue());
        }
        checkLevel(root, path + ".", group, givenGroup, source);
      }
    }
  }

  private static String suggestion(JsonObject root, String prefix, JsonObject level, String unknown) {
    List<String> known = new ArrayList<>();
    collectPaths("", root, known);
    String lowerUnknown = unknown.toLowerCase(Locale.ROOT);
    String lastSegment = lowerUnknown.substring(lowerUnknown.lastIndexOf('.') + 1);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      String lowerCandidate = candidate.toLowerCase(Locale.ROOT);
      // A known key placed in the wrong group ("port" at top level for "http.port") counts as a near miss.
      int distance = lowerCandidate.endsWith("." + lastSegment) ? 1 : levenshtein(lowerUnknown, lowerCandidate);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = candidate;
      }
    }
    if (best != null && bestDistance <= Math.max(2, unknown.length() / 3)) {
      return " — did you mean '" + best + "'?";
    }
    return " — known keys" + (prefix.isEmpty() ? "" : " in '" + prefix.substring(0, prefix.length() - 1) + "'")
      + ": " + String.join(", ", level.fieldNames());
  }

  private static void collectPaths(String prefix, JsonObject shape, List<String> paths) {
    for (Map.Entry<String, Object> entry : shape) {
      String path = prefix + entry.getKey();
      paths.add(path);
      if (entry.getValue() instanceof JsonObject group) {
        collectPaths(path + ".", group, paths);
      }
    }
  }

  /** Edit distance: insertions, deletions and substitutions turning {@code a} into {@code b}. */
  static int levenshtein(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
