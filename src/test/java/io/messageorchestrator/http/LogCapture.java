package io.messageorchestrator.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** Records what one logger (and its children) writes, for assertions on log volume and shape; close to detach. */
final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level previousLevel;
  private final Recorder recorder = new Recorder();

  private LogCapture(String loggerName, Level level) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    previousLevel = logger.getLevel();
    logger.setLevel(level);
    recorder.setContext(logger.getLoggerContext());
    recorder.start();
    logger.addAppender(recorder);
  }

  /** Captures {@code loggerName} at {@code level} and above. */
  static LogCapture of(String loggerName, Level level) {
    return new LogCapture(loggerName, level);
  }

  /** A snapshot of the lines recorded so far. */
  List<ILoggingEvent> lines() {
    synchronized (recorder) { // AppenderBase.doAppend holds this lock
      return List.copyOf(recorder.lines);
    }
  }

  /** Completes with the first line (already written or to come) that matches {@code line}. */
  CompletableFuture<ILoggingEvent> first(Predicate<ILoggingEvent> line) {
    CompletableFuture<ILoggingEvent> found = new CompletableFuture<>();
    synchronized (recorder) {
      recorder.lines.stream().filter(line).findFirst().ifPresentOrElse(found::complete,
        () -> recorder.waiting.put(found, line));
    }
    return found;
  }

  @Override
  public void close() {
    logger.detachAppender(recorder);
    logger.setLevel(previousLevel);
  }

  private static final class Recorder extends AppenderBase<ILoggingEvent> {
    private final List<ILoggingEvent> lines = new ArrayList<>();
    private final Map<CompletableFuture<ILoggingEvent>, Predicate<ILoggingEvent>> waiting = new ConcurrentHashMap<>();

    @Override
    protected void append(ILoggingEvent line) {
      lines.add(line);
      for (Iterator<Map.Entry<CompletableFuture<ILoggingEvent>, Predicate<ILoggingEvent>>> it =
           waiting.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<CompletableFuture<ILoggingEvent>, Predicate<ILoggingEvent>> entry = it.next();
        if (entry.getValue().test(line)) {
          it.remove();
          entry.getKey().complete(line);
        }
      }
    }
  }
}
