package io.messageorchestrator.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Records what one logger (and its children) writes, for assertions on log volume and shape; close to detach. */
final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final Level previousLevel;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private LogCapture(String loggerName, Level level) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    previousLevel = logger.getLevel();
    logger.setLevel(level);
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  /** Captures {@code loggerName} at {@code level} and above. */
  static LogCapture of(String loggerName, Level level) {
    return new LogCapture(loggerName, level);
  }

  /** A snapshot of the lines recorded so far. */
  List<ILoggingEvent> lines() {
    synchronized (appender) { // AppenderBase.doAppend holds this lock
      return List.copyOf(appender.list);
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previousLevel);
  }
}
