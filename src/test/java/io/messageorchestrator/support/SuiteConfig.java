package io.messageorchestrator.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The configuration of the suite {@link SuiteExtension} starts for a test. On the class it applies to every test; on
 * a method it is merged over the class's (method wins, key by key).
 *
 * <pre>{@code
 * @SuiteConfig({"maxQueueSize=2", "lockTimeout=0", "queueOverflow=dropOldest", "http.requestBodyTimeout=300"})
 * }</pre>
 *
 * Keys are dotted paths as in {@code conf/config.json}; a value is read as JSON when it is a JSON scalar
 * ({@code 2}, {@code false}, {@code "0042"}), else taken as a string.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
public @interface SuiteConfig {
  /** {@code key=value} pairs over {@link Suites#baseConfig()}. */
  String[] value() default {};

  /** Also deploy the HTTP verticle, on a loopback ephemeral port ({@code suite.httpPort()}). */
  boolean http() default false;

  /**
   * Use the agent named by {@code processor.type} (the built-in echo agent by default) instead of a
   * {@link TestAgent}; a {@code TestAgent} parameter is then refused.
   */
  boolean configuredProcessor() default false;
}
