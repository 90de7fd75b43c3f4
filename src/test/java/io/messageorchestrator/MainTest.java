package io.messageorchestrator;

import com.sun.net.httpserver.HttpServer;
import io.messageorchestrator.config.EnvironmentOverrides;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link Main} as operators run it: in a child JVM with the test classpath, a temporary {@code -conf} file and a free
 * port. Tests wait on the child's output lines and exit status, never on sleeps.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("Main")
class MainTest {
  private static final long WAIT_SECONDS = 90;
  private static final Pattern READY = Pattern.compile("message-orchestrator ready: .*HTTP on port (\\d+)");

  @TempDir
  Path dir;
  private final List<Child> children = new ArrayList<>();
  /** Environment variables given to the next child (after the machine's service variables were removed). */
  private final Map<String, String> childEnvironment = new HashMap<>();

  @AfterEach
  void killChildren() throws InterruptedException {
    for (Child child : children) {
      child.process.destroyForcibly();
      child.process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("-conf <file> and --conf <file> select the configuration file; no argument means conf/config.json")
  void parsesConfArgument() {
    assertThat(Main.Arguments.parse("-conf", "x.json").configFile()).isEqualTo("x.json");
    assertThat(Main.Arguments.parse("--conf", "y.json").configFile()).isEqualTo("y.json");
    assertThat(Main.Arguments.parse().configFile()).isEqualTo("conf/config.json");
  }

  @Test
  @DisplayName("an unknown argument, or -conf without a file, is a usage error naming it")
  void rejectsWrongArguments() {
    assertThatThrownBy(() -> Main.Arguments.parse("-instances", "2"))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown argument '-instances'");
    assertThatThrownBy(() -> Main.Arguments.parse("-conf"))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-conf needs a file name");
  }

  @Test
  @DisplayName("the process exits 2 with the usage on stderr for an unknown argument")
  void unknownArgumentExitsWithUsage() throws Exception {
    Child child = start("--bogus");

    assertThat(child.exitCode()).isEqualTo(Main.EXIT_USAGE);
    assertThat(child.stderr()).contains("message-orchestrator: unknown argument '--bogus'", Main.USAGE);
  }

  @Test
  @DisplayName("an unknown key in the -conf file stops start-up with exit 1 and one line naming key, file and fix")
  void unknownKeyInFileExitsOne() throws Exception {
    Path conf = writeConfig(new JsonObject().put("procesingTimeout", 1_000));
    Child child = start("-conf", conf.toString());

    assertThat(child.exitCode()).isEqualTo(Main.EXIT_STARTUP_FAILED);
    assertThat(child.errorLines()).containsExactly("message-orchestrator: start-up failed: Invalid configuration: "
      + "unknown key 'procesingTimeout' (in file '" + conf + "') — did you mean 'processingTimeout'?");
  }

  @Test
  @DisplayName("a busy port stops start-up with exit 1 and one line naming the port and http.port / HTTP_PORT, no stack trace")
  void busyPortExitsOneWithOneLine() throws Exception {
    try (ServerSocket occupied = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Path conf = writeConfig(baseConfig(occupied.getLocalPort()));
      Child child = start("-conf", conf.toString());

      assertThat(child.exitCode()).isEqualTo(Main.EXIT_STARTUP_FAILED);
      List<String> errors = child.errorLines();
      assertThat(errors).hasSize(1);
      assertThat(errors.getFirst()).startsWith("message-orchestrator: start-up failed: cannot listen on 127.0.0.1:"
          + occupied.getLocalPort())
        .contains("'http.port' (env HTTP_PORT)");
      assertThat(child.stdout()).as("no stack trace on stdout either").doesNotContain("\tat ", "Exception");
    }
  }

  @Test
  @DisplayName("SIGTERM during start-up waits for start-up, drains and exits 0")
  void sigtermDuringStartupDrains() throws Exception {
    // The child reads its configuration from a named pipe: start-up stays blocked there until the test writes it,
    // so the signal arrives in the middle of start-up on any machine.
    Path fifo = dir.resolve("config-pipe.json");
    assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo is available");
    Child child = start("-conf", fifo.toString());
    child.awaitLine(line -> line.contains("Starting message-orchestrator"));

    // SIGTERM. Not Process.destroy(): it also closes our ends of the pipes, and the drain is read from the output.
    child.process.toHandle().destroy();
    child.awaitLine(line -> line.contains("Shutdown requested during start-up"));
    CompletableFuture<Void> written = new CompletableFuture<>();
    // Its own thread: opening a pipe blocks until the reader has it open too.
    Thread.ofPlatform().daemon().name("config-pipe-writer").start(() -> {
      try {
        Files.writeString(fifo, baseConfig(0).encode());
        written.complete(null);
      } catch (IOException e) {
        written.completeExceptionally(e);
      }
    });

    child.awaitLine(line -> READY.matcher(line).find());
    child.awaitLine(line -> line.contains("Shutdown complete: {"));
    assertThat(child.exitCode()).isZero();
    written.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("SIGTERM after start-up lets the message in flight finish, answers it and exits 0")
  void sigtermAfterStartDrainsInFlightMessage() throws Exception {
    CompletableFuture<Void> agentCalled = new CompletableFuture<>();
    CompletableFuture<String> agentReply = new CompletableFuture<>();
    HttpServer agent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    agent.createContext("/agent", exchange -> {
      exchange.getRequestBody().readAllBytes();
      agentCalled.complete(null);
      byte[] body = new JsonObject().put("response", agentReply.join()).encode().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    agent.start();
    try {
      Path conf = writeConfig(baseConfig(0).put("shutdownGracePeriod", 30_000).put("processor", new JsonObject()
        .put("type", "http").put("url", "http://127.0.0.1:" + agent.getAddress().getPort() + "/agent")));
      Child child = start("-conf", conf.toString());
      Matcher ready = READY.matcher(child.awaitLine(line -> READY.matcher(line).find()));
      assertThat(ready.find()).isTrue();

      HttpClient client = HttpClient.newHttpClient();
      CompletableFuture<HttpResponse<String>> answer = client.sendAsync(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ready.group(1) + "/webhook"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"+5511999990000\",\"body\":\"hello\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
      agentCalled.get(WAIT_SECONDS, TimeUnit.SECONDS);

      child.process.toHandle().destroy(); // SIGTERM while the agent call is in flight
      child.awaitLine(line -> line.contains("Shutting down: draining"));
      agentReply.complete("finished during the drain");

      HttpResponse<String> response = answer.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(response.body()).getString("response")).isEqualTo("finished during the drain");
      String complete = child.awaitLine(line -> line.contains("Shutdown complete: {"));
      assertThat(new JsonObject(complete.substring(complete.indexOf('{'))).getInteger("messagesDropped")).isZero();
      assertThat(child.exitCode()).isZero();
    } finally {
      agentReply.complete("test ended");
      agent.stop(0);
    }
  }

  @Test
  @DisplayName("J1: the shipped conf/config.json starts with no setup — the SQLite journal is created in data/ of the working directory — and SIGTERM exits 0")
  void shippedConfigurationStartsWithTheSqliteJournal() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.copy(Path.of("conf/config.json"), dir.resolve("conf/config.json"));
    childEnvironment.put("HTTP_PORT", "0"); // the only change: a free port
    childEnvironment.put("HTTP_HOST", "127.0.0.1");
    Child child = start();
    child.awaitLine(line -> READY.matcher(line).find());
    assertThat(dir.resolve("data/orchestrator.db")).isRegularFile();
    assertThat(dir.resolve("data/orchestrator.db.lock")).isRegularFile();

    child.process.toHandle().destroy();
    assertThat(child.exitCode()).isZero();
  }

  private static JsonObject baseConfig(int port) {
    return new JsonObject()
      .put("shards", 2)
      .put("shutdownGracePeriod", 2_000)
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("instances", 1));
  }

  private Path writeConfig(JsonObject config) throws IOException {
    return Files.writeString(Files.createTempFile(dir, "main-", ".json"), config.encodePrettily());
  }

  /** Main in a child JVM with the test classpath and the service's own logging configuration (INFO, stdout). */
  private Child start(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
      "-Dlogback.configurationFile=" + Path.of(Main.class.getResource("/logback.xml").toURI())));
    if (Runtime.version().feature() >= 24) {
      command.add("--sun-misc-unsafe-memory-access=allow");
      command.add("--enable-native-access=ALL-UNNAMED"); // the SQLite driver; the jar's manifest says the same
    }
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    // Hermetic: none of the service's environment variables leak in from the machine running the tests.
    builder.environment().keySet().removeAll(EnvironmentOverrides.envNames(OrchestratorConfig.defaults()));
    builder.environment().remove("LOG_LEVEL");
    builder.environment().putAll(childEnvironment);
    Child child = new Child(builder.start());
    children.add(child);
    return child;
  }

  /** A child process whose stdout and stderr are read line by line as they come. */
  private static final class Child {
    private static final String END = "\u0000end-of-stream";
    final Process process;
    private final LinkedBlockingQueue<String> stdoutLines = new LinkedBlockingQueue<>();
    private final StringBuilder stdout = new StringBuilder();
    private final CompletableFuture<String> stderr;

    Child(Process process) {
      this.process = process;
      this.stderr = new CompletableFuture<>();
      // Dedicated threads (not the common pool, which has one thread on two cores): each blocks until the child ends.
      Thread.ofPlatform().daemon().name("child-stdout").start(() -> pump(process.getInputStream()));
      Thread.ofPlatform().daemon().name("child-stderr").start(() -> {
        try (InputStream err = process.getErrorStream()) {
          stderr.complete(new String(err.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          stderr.complete(e.toString());
        }
      });
    }

    private void pump(InputStream in) {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          synchronized (stdout) {
            stdout.append(line).append('\n');
          }
          stdoutLines.add(line);
        }
      } catch (IOException ignored) {
        // The process ended.
      } finally {
        stdoutLines.add(END);
      }
    }

    /** The first stdout line from now on matching {@code wanted}; fails if the process ends first. */
    String awaitLine(Predicate<String> wanted) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (true) {
        String line = stdoutLines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line == null || END.equals(line)) {
          stdoutLines.add(END);
          throw new AssertionError((line == null ? "timed out" : "the process ended") + " before the expected line;"
            + " stdout:\n" + stdout() + "\nstderr:\n" + stderr.getNow("(still running)")
            + (process.isAlive() ? "" : "\nexit status " + process.exitValue()));
        }
        if (wanted.test(line)) {
          return line;
        }
      }
    }

    int exitCode() throws InterruptedException {
      assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("process ended").isTrue();
      return process.exitValue();
    }

    String stdout() {
      synchronized (stdout) {
        return stdout.toString();
      }
    }

    String stderr() throws Exception {
      return stderr.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Lines on stderr, without the JVM's own warnings. */
    List<String> errorLines() throws Exception {
      return stderr().lines().filter(line -> !line.startsWith("WARNING:")).toList();
    }
  }
}
