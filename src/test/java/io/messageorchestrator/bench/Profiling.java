package io.messageorchestrator.bench;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Optional profiling of the measured run only (not the warm-ups):
 * <ul>
 *   <li>{@code -Dbench.jfr=DIR}: a JFR recording with the {@code profile} settings and a 1 ms execution sampler,
 *   written to {@code DIR/<scenario>.jfr} (read it with {@code jfr view hot-methods DIR/<scenario>.jfr});</li>
 *   <li>{@code -Dbench.asyncProfiler=/path/libasyncProfiler.so} (with the async-profiler jar on the boot class
 *   path: {@code -Xbootclasspath/a:async-profiler-<v>.jar}): CPU samples every 1 ms, written as collapsed stacks to
 *   {@code DIR/<scenario>-cpu.collapsed} where DIR is {@code bench.profileDir} (default {@code target-bench});
 *   {@code -Dbench.profileEvent=alloc} samples allocations instead ({@code DIR/<scenario>-alloc.collapsed}).</li>
 * </ul>
 */
final class Profiling {
  private Profiling() {
  }

  static Result around(String scenario, Callable<Result> run) throws Exception {
    Session session = start(scenario);
    try {
      return run.call();
    } finally {
      session.stop();
    }
  }

  /** Starts whatever profiling the system properties ask for (possibly nothing). */
  static Session start(String scenario) throws Exception {
    String jfrDir = System.getProperty("bench.jfr");
    String asyncLib = System.getProperty("bench.asyncProfiler");
    Path dir = Path.of(System.getProperty("bench.profileDir", jfrDir != null ? jfrDir : "target-bench"));
    String event = System.getProperty("bench.profileEvent", "cpu");
    Recording recording = null;
    Object profiler = null;
    Method execute = null;
    if (jfrDir != null) {
      Files.createDirectories(Path.of(jfrDir));
      recording = new Recording(Configuration.getConfiguration("profile"));
      recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(1));
      recording.setDestination(Path.of(jfrDir, scenario + ".jfr"));
      recording.start();
    }
    if (asyncLib != null) {
      Files.createDirectories(dir);
      Class<?> type = Class.forName("one.profiler.AsyncProfiler");
      profiler = type.getMethod("getInstance", String.class).invoke(null, asyncLib);
      execute = type.getMethod("execute", String.class);
      execute.invoke(profiler, event.equals("cpu") ? "start,event=cpu,interval=1ms,threads" : "start,event=" + event);
    }
    return new Session(recording, profiler, execute, dir.resolve(scenario + "-" + event + ".collapsed"));
  }

  /** A running profiling session; {@link #stop()} writes its files (idempotent). */
  static final class Session {
    private Recording recording;
    private final Object profiler;
    private Method execute;
    private final Path collapsed;

    private Session(Recording recording, Object profiler, Method execute, Path collapsed) {
      this.recording = recording;
      this.profiler = profiler;
      this.execute = execute;
      this.collapsed = collapsed;
    }

    synchronized void stop() throws Exception {
      if (execute != null) {
        execute.invoke(profiler, "stop,file=" + collapsed + ",collapsed,total"); // total: bytes or CPU time, not counts
        execute = null;
      }
      if (recording != null) {
        recording.stop();
        recording.close();
        recording = null;
      }
    }
  }
}
