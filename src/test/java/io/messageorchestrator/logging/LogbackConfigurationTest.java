package io.messageorchestrator.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production {@code logback.xml} (src/main/resources), loaded into a private {@link LoggerContext} so the tests'
 * own logging is untouched: console output only behind a never-blocking bounded async queue, level from
 * {@code LOG_LEVEL}.
 */
class LogbackConfigurationTest {

  @Test
  @DisplayName("every root appender is an AsyncAppender with neverBlock and a bounded queue; the console sits behind it")
  void consoleIsBehindANeverBlockingAsyncAppender() throws Exception {
    LoggerContext context = load(null);
    try {
      List<Appender<ILoggingEvent>> rootAppenders = appenders(context.getLogger(Logger.ROOT_LOGGER_NAME));
      assertThat(rootAppenders).isNotEmpty();
      for (Appender<ILoggingEvent> appender : rootAppenders) {
        assertThat(appender).as("root appender %s", appender.getName()).isInstanceOf(AsyncAppender.class);
        AsyncAppender async = (AsyncAppender) appender;
        assertThat(async.isNeverBlock()).as("neverBlock").isTrue();
        assertThat(async.getQueueSize()).isBetween(1_024, 65_536);
        assertThat(async.getDiscardingThreshold()).isBetween(1, async.getQueueSize() / 2);
        List<Appender<ILoggingEvent>> behind = new ArrayList<>();
        async.iteratorForAppenders().forEachRemaining(behind::add);
        assertThat(behind).singleElement().isInstanceOf(ConsoleAppender.class);
      }
    } finally {
      context.stop();
    }
  }

  @Test
  @DisplayName("the root level is INFO by default and LOG_LEVEL when set")
  void rootLevelFollowsLogLevel() throws Exception {
    LoggerContext byDefault = load(null);
    LoggerContext debug = load("DEBUG");
    try {
      assertThat(byDefault.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
      assertThat(debug.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.DEBUG);
    } finally {
      byDefault.stop();
      debug.stop();
    }
  }

  /** Configures a fresh context from the main logback.xml; {@code logLevel} plays the LOG_LEVEL variable. */
  private static LoggerContext load(String logLevel) throws Exception {
    URL config = LogbackConfigurationTest.class.getResource("/logback.xml");
    assertThat(config).as("src/main/resources/logback.xml on the test classpath").isNotNull();
    LoggerContext context = new LoggerContext();
    if (logLevel != null) {
      context.putProperty("LOG_LEVEL", logLevel);
    }
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(config);
    return context;
  }

  private static List<Appender<ILoggingEvent>> appenders(Logger logger) {
    List<Appender<ILoggingEvent>> list = new ArrayList<>();
    Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders();
    it.forEachRemaining(list::add);
    return list;
  }
}
