package io.messageorchestrator;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile, read as text (no Docker engine where tests run): the port is one setting, the entrypoint passes
 * {@code docker run} arguments, and the README names the runtime JDK. Its shell snippets run under {@code sh} with
 * {@code java} and {@code curl} replaced by {@code printf}, to see what they would execute.
 */
@DisplayName("Dockerfile")
class DockerfileTest {

  private static List<String> instructions;

  @BeforeAll
  static void readDockerfile() throws Exception {
    // One instruction per entry: continuation lines joined, comments dropped.
    String joined = Files.readString(Path.of("Dockerfile")).replaceAll("\\\\\\n", " ");
    instructions = joined.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
      .toList();
  }

  private static String instruction(String keyword) {
    List<String> found = instructions.stream().filter(line -> line.startsWith(keyword + " ")).toList();
    assertThat(found).as(keyword).isNotEmpty();
    return found.getLast().substring(keyword.length() + 1).strip();
  }

  @Test
  @DisplayName("HTTP_PORT is declared once (ARG 8080) and both the service's ENV and EXPOSE use it")
  void portIsOneSetting() {
    assertThat(instructions).contains("ARG HTTP_PORT=8080", "ENV HTTP_PORT=${HTTP_PORT}");
    assertThat(instruction("EXPOSE")).isEqualTo("${HTTP_PORT}");
  }

  @Test
  @DisplayName("the HEALTHCHECK reads HTTP_PORT when it runs, so docker run -e HTTP_PORT moves it with the service")
  void healthcheckFollowsPortAtRunTime() throws Exception {
    String check = instruction("HEALTHCHECK");
    String command = check.substring(check.indexOf("CMD ") + 4);
    assertThat(command).as("shell form, expanded at run time").doesNotStartWith("[").contains("${HTTP_PORT}");

    String ran = runShell(command.replace("curl -fsS", "printf '%s\\n'"), Map.of("HTTP_PORT", "9123"));
    assertThat(ran).contains("http://127.0.0.1:9123/health/live");
  }

  @Test
  @DisplayName("the ENTRYPOINT execs java (PID 1 gets SIGTERM) and passes the docker run arguments, CMD by default")
  void entrypointPassesArguments() throws Exception {
    JsonArray entrypoint = new JsonArray(instruction("ENTRYPOINT"));
    assertThat(entrypoint.getString(0)).isEqualTo("sh");
    assertThat(entrypoint.getString(1)).isEqualTo("-c");
    String script = entrypoint.getString(2);
    assertThat(script).startsWith("exec java ").contains("\"$@\"");

    List<String> command = new ArrayList<>(List.of("sh", "-c", script.replace("exec java", "exec printf '%s\\n' java")));
    command.addAll(entrypoint.getList().subList(3, entrypoint.size()).stream().map(String::valueOf).toList());
    command.addAll(List.of("-conf", "/config/with space.json"));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out.lines().toList()).endsWith("-jar", "/app/message-orchestrator.jar", "-conf",
      "/config/with space.json");

    assertThat(new JsonArray(instruction("CMD")).getList()).containsExactly("-conf", "/app/conf/config.json");
  }

  @Test
  @DisplayName("the journal's folder is a VOLUME, created and owned by the non-root user, where conf/config.json's journal.path points")
  void journalFolderIsAWritableVolume() throws IOException {
    assertThat(instruction("VOLUME")).isEqualTo("/app/data");
    assertThat(instruction("WORKDIR")).isEqualTo("/app");
    assertThat(instructions).anyMatch(line -> line.startsWith("RUN ") && line.contains("mkdir -p /app/data")
      && line.contains("chown app:app /app/data"));
    assertThat(instruction("USER")).isEqualTo("app");
    String journalPath = new io.vertx.core.json.JsonObject(Files.readString(Path.of("conf/config.json")))
      .getJsonObject("journal").getString("path");
    assertThat(Path.of("/app").resolve(journalPath).getParent()).isEqualTo(Path.of("/app/data"));
  }

  @Test
  @DisplayName("the image ships the jar the build writes, and the README names the image's JDK")
  void runtimeImageIsDocumented() throws Exception {
    assertThat(instructions).anyMatch(line -> line.startsWith("COPY --from=build /src/target/message-orchestrator.jar"));
    Matcher runtime = Pattern.compile("^FROM (eclipse-temurin:\\S+)$", Pattern.MULTILINE)
      .matcher(String.join("\n", instructions));
    assertThat(runtime.find()).as("a Temurin runtime stage").isTrue();
    assertThat(Files.readString(Path.of("README.md"))).contains("`" + runtime.group(1) + "`");
  }

  private static String runShell(String script, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
