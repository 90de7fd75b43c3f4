package io.messageorchestrator.crash;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * J9: a journal file the service cannot use stops start-up with exit status 1 and one line on stderr naming the
 * file — not a stack trace, not a service that starts and then refuses every message. Tests run as root, so the
 * unusable paths are made without file modes: a path under a regular file, and a file that is not a database.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("A journal path the service cannot use")
class JournalStartupErrorTest {
  @TempDir
  Path dir;
  private final List<ServiceProcess> processes = new ArrayList<>();

  @AfterEach
  void killChildren() {
    processes.forEach(ServiceProcess::close);
  }

  @Test
  @DisplayName("a path under a regular file: exit 1, one line naming the path")
  void pathUnderARegularFile() throws IOException {
    Path regularFile = Files.writeString(dir.resolve("not-a-folder"), "a file where a folder should be");
    Path journal = regularFile.resolve("data").resolve("orchestrator.db");

    assertOneLineNaming(start(journal), journal);
  }

  @Test
  @DisplayName("a file that is not a database: exit 1, one line naming the file, the file left as it was")
  void fileThatIsNotADatabase() throws IOException {
    Path journal = dir.resolve("data").resolve("orchestrator.db");
    Files.createDirectories(journal.getParent());
    String garbage = "this is not an SQLite database, ".repeat(200);
    Files.writeString(journal, garbage);

    assertOneLineNaming(start(journal), journal);
    assertThat(Files.readString(journal)).as("the file is not overwritten").isEqualTo(garbage);
  }

  private ServiceProcess start(Path journal) {
    JsonObject config = new JsonObject()
      .put("shards", 1)
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
      .put("journal", new JsonObject().put("type", "sqlite").put("path", journal.toString()));
    ServiceProcess process = ServiceProcess.start(dir, "service", config);
    processes.add(process);
    return process;
  }

  private static void assertOneLineNaming(ServiceProcess process, Path journal) {
    assertThat(process.awaitExit(Duration.ofSeconds(60))).as("exit status\n%s", process.describe()).isEqualTo(1);
    assertThat(process.errorLines()).as("stderr").hasSize(1);
    assertThat(process.errorLines().getFirst())
      .startsWith("message-orchestrator: start-up failed: ")
      .contains(journal.toString());
    assertThat(process.output()).as("never ready").doesNotContain("message-orchestrator ready");
  }
}
