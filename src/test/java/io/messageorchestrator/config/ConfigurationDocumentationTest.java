package io.messageorchestrator.config;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's Configuration table is the operator's reference: it must list every key and every enforced minimum. */
@DisplayName("README Configuration table")
class ConfigurationDocumentationTest {

  private static List<String> rows;

  @BeforeAll
  static void readTable() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("\n## Configuration");
    String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
    rows = new ArrayList<>(section.lines().filter(line -> line.startsWith("| `")).toList());
  }

  /** The row documenting {@code key}: its first cell names it in backquotes (alone or with a sibling key). */
  private static String rowOf(String key) {
    return rows.stream().filter(row -> row.substring(0, row.indexOf('|', 1)).contains("`" + key + "`"))
      .findFirst().orElse(null);
  }

  @Test
  @DisplayName("every configuration key has a row")
  void everyKeyIsDocumented() {
    List<String> missing = leafPaths().stream().filter(key -> rowOf(key) == null).toList();

    assertThat(missing).as("keys missing from the README's Configuration table").isEmpty();
  }

  @Test
  @DisplayName("every minimum the code enforces above zero is written in the key's row as '≥ n'")
  void everyMinimumIsDocumented() {
    List<String> undocumented = new ArrayList<>();
    for (Map.Entry<String, Long> minimum : OrchestratorConfig.minimums().entrySet()) {
      String row = rowOf(minimum.getKey());
      if (minimum.getValue() > 0 && (row == null || !row.contains("≥ " + minimum.getValue()))) {
        undocumented.add(minimum.getKey() + " ≥ " + minimum.getValue());
      }
    }

    assertThat(undocumented).as("minimums missing from the README's Configuration table").isEmpty();
  }

  @Test
  @DisplayName("http.maxBodySize is documented as at least 1024")
  void maxBodySizeMinimum() {
    assertThat(OrchestratorConfig.minimums()).containsEntry("http.maxBodySize", 1_024L);
    assertThat(rowOf("http.maxBodySize")).contains("≥ 1024");
  }

  private static List<String> leafPaths() {
    List<String> paths = new ArrayList<>();
    collect("", OrchestratorConfig.defaults(), paths);
    return paths;
  }

  private static void collect(String prefix, io.vertx.core.json.JsonObject shape, List<String> paths) {
    for (Map.Entry<String, Object> entry : shape) {
      if (entry.getValue() instanceof io.vertx.core.json.JsonObject group) {
        collect(prefix + entry.getKey() + ".", group, paths);
      } else {
        paths.add(prefix + entry.getKey());
      }
    }
  }
}
