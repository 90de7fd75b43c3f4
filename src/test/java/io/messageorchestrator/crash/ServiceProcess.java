package io.messageorchestrator.crash;

import io.messageorchestrator.support.Poll;
import io.messageorchestrator.Main;
import io.messageorchestrator.config.EnvironmentOverrides;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service as operators run it — {@link Main} in a child JVM with the test classpath, an explicit small heap and a
 * {@code -conf} file of the test's own — that a test can kill with SIGKILL and start again on the same journal.
 * The child's stdout and stderr go to files beside the configuration ({@code <name>.out}, {@code <name>.err}), so a
 * chatty child never blocks on a full pipe and a failing test can show them. Public for the cluster benchmarks
 * ({@code io.messageorchestrator.bench}), which run their nodes the same way with JVM options of their own.
 */
public final class ServiceProcess implements AutoCloseable {
  /** The child's heap: small and explicit, so several suites side by side cannot exhaust the machine. */
  static final String HEAP = "-Xmx256m";
  /**
   * The tests' JVM options: the heap above, and C1 only (quick to start; no C2 compiler threads competing for the
   * cores).
   */
  static final List<String> TEST_JVM_OPTIONS = List.of(HEAP, "-XX:TieredStopAtLevel=1");
  /** 128 + SIGKILL: the exit status of a process ended by {@code kill -9}. */
  static final int KILLED_EXIT_STATUS = 137;
  private static final Pattern READY = Pattern.compile("message-orchestrator ready: .*HTTP on port (\\d+)");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private int port = -1;

  private ServiceProcess(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts Main on {@code config} (written to {@code <dir>/<name>.json}) without waiting for it; the working folder
   * is {@code dir}. None of the service's environment variables leak in from the machine running the tests.
   */
  static ServiceProcess start(Path dir, String name, JsonObject config) {
    return start(dir, name, config, TEST_JVM_OPTIONS);
  }

  /**
   * {@link #start(Path, String, JsonObject)} with {@code jvmOptions} (heap, GC, JIT) instead of the tests' own: a
   * benchmark's nodes run with C2 and the heap it chooses.
   */
  public static ServiceProcess start(Path dir, String name, JsonObject config, List<String> jvmOptions) {
    try {
      Path conf = Files.writeString(dir.resolve(name + ".json"), config.encodePrettily());
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmOptions);
      command.addAll(List.of("--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"),
        // The service's own logging (INFO), not the test classpath's logback-test.xml.
        "-Dlogback.configurationFile=" + Path.of(Main.class.getResource("/logback.xml").toURI())));
      if (Runtime.version().feature() >= 24) {
        command.add("--sun-misc-unsafe-memory-access=allow");
      }
      command.addAll(List.of(Main.class.getName(), "-conf", conf.toString()));
      Path out = dir.resolve(name + ".out");
      Path err = dir.resolve(name + ".err");
      ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().keySet().removeAll(EnvironmentOverrides.envNames(OrchestratorConfig.defaults()));
      builder.environment().remove("LOG_LEVEL");
      return new ServiceProcess(name, builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Waits until the child logged its HTTP port and {@code GET /health/ready} answers 200 (the journal recovered and
   * every verticle is deployed), polling within {@code timeout}; fails with the child's output otherwise.
   */
  public ServiceProcess awaitReady(Duration timeout) {
    Poll.until(name + " logs its HTTP port", timeout, () -> {
      assertAlive();
      Matcher ready = READY.matcher(output());
      if (ready.find()) {
        port = Integer.parseInt(ready.group(1));
        return true;
      }
      return false;
    });
    Poll.until(name + " answers /health/ready with 200", timeout, () -> {
      assertAlive();
      return get("/health/ready").statusCode() == 200;
    });
    return this;
  }

  /** The readiness status code (200 UP, 503 DOWN), or -1 when nothing answers. */
  int readiness() {
    try {
      return get("/health/ready").statusCode();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  public HttpResponse<String> get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(5)).GET()
        .build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code GET /admin/stats} (a loopback caller needs no admin token when none is set). */
  JsonObject stats() {
    HttpResponse<String> response = get("/admin/stats");
    if (response.statusCode() != 200) {
      throw new AssertionError("/admin/stats answered " + response.statusCode() + ": " + response.body());
    }
    return new JsonObject(response.body());
  }

  public String baseUrl() {
    if (port < 0) {
      throw new IllegalStateException(name + " is not ready yet");
    }
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /**
   * {@code kill -9}: on Linux {@link Process#destroyForcibly()} sends SIGKILL — no shutdown hook, no drain, no
   * flush. Waits for the process to be gone and checks that SIGKILL is what ended it (status 137).
   */
  public void kill9() {
    process.destroyForcibly();
    int status = awaitExit(Duration.ofSeconds(30));
    if (status != KILLED_EXIT_STATUS) {
      throw new AssertionError(name + " ended with status " + status + " instead of " + KILLED_EXIT_STATUS
        + " (SIGKILL)");
    }
  }

  /** SIGSTOP: the process is frozen, as by a long GC pause or a suspended VM; its sockets stay open. */
  void freeze() {
    signal("STOP");
  }

  /** SIGCONT: a frozen process runs on, with its view of the cluster as stale as the freeze was long. */
  void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGTERM: the graceful drain (Main exits 0 once it completed). */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** Waits for the process to end; its exit status. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " did not end within " + timeout + "\n" + describe());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  String output() {
    return read(stdout);
  }

  /** Lines on stderr, without the JVM's own warnings. */
  List<String> errorLines() {
    return read(stderr).lines().filter(line -> !line.startsWith("WARNING:")).toList();
  }

  public String describe() {
    String out = output();
    return "--- " + name + " stdout (last 6000 chars):\n" + out.substring(Math.max(0, out.length() - 6_000))
      + "\n--- " + name + " stderr:\n" + String.join("\n", errorLines());
  }

  private void assertAlive() {
    if (!process.isAlive()) {
      throw new AssertionError(name + " ended with status " + process.exitValue() + "\n" + describe());
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** Kills the child if it still runs (a test that failed half-way). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
