package io.messageorchestrator;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Log lines are written by a background thread (logback's {@code AsyncAppender}, see {@code logback.xml}), which
 * dies with the JVM: whoever ends the JVM calls {@link #flush()} last, so the final lines (a start-up failure, the
 * end of a drain) are not lost. No logback shutdown hook does it, because it would stop logging while the
 * orchestrator still drains on SIGTERM.
 */
final class Logging {
  private Logging() {
  }

  /** Writes what is queued (for up to logback's {@code maxFlushTime}, 1 s) and stops logging. */
  static void flush() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }
}
