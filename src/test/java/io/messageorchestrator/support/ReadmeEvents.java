package io.messageorchestrator.support;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's Events table, for events published outside the shards (the shards' are checked by EventTableTest). */
public final class ReadmeEvents {
  private static final Pattern ROW = Pattern.compile("^\\| `(\\w+)` \\| `([^`]*)`", Pattern.MULTILINE);

  private ReadmeEvents() {
  }

  /** Asserts {@code payload} has exactly the fields the README documents for {@code event} ({@code ?}: optional). */
  public static void assertDocumented(String event, JsonObject payload) throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int start = readme.indexOf("| event | fields |");
    assertThat(start).as("the README's Events table").isPositive();
    Matcher row = ROW.matcher(readme.substring(start, readme.indexOf("\n\n", start)));
    String fields = null;
    while (row.find()) {
      if (row.group(1).equals(event)) {
        fields = row.group(2);
      }
    }
    assertThat(fields).as("README row of %s", event).isNotNull();
    Set<String> required = new HashSet<>();
    Set<String> optional = new HashSet<>();
    for (String field : fields.split(",")) {
      String name = field.replaceAll("\\(.*\\)", "").trim();
      if (name.endsWith("?")) {
        optional.add(name.substring(0, name.length() - 1));
      } else {
        required.add(name);
      }
    }
    assertThat(payload.fieldNames()).as("fields of %s", event).containsAll(required);
    Set<String> extra = new HashSet<>(payload.fieldNames());
    extra.removeAll(required);
    extra.removeAll(optional);
    assertThat(extra).as("undocumented fields of %s", event).isEmpty();
  }
}
