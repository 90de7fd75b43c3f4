package io.messageorchestrator.support;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Starts the real verticle suite for a test and stops it afterwards: a test declares what it needs as parameters and
 * gets them wired to one suite, configured by {@link SuiteConfig} (class and method).
 *
 * <pre>{@code
 * @ExtendWith({VertxExtension.class, SuiteExtension.class})
 * class QueueTest {
 *   @Test
 *   @SuiteConfig({"maxQueueSize=2", "lockTimeout=0"})
 *   void rejectOnOverflow(OrchestratorSuite suite, TestAgent agent, EventRecorder events) { ... }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link OrchestratorSuite}: deployed (blocking the test thread) on the test's {@link Vertx} — the same instance
 *   a {@code Vertx} parameter of {@link VertxExtension} receives — over {@link Suites#baseConfig()}, without HTTP
 *   unless {@code @SuiteConfig(http = true)} (then on a loopback ephemeral port: {@code suite.httpPort()});</li>
 *   <li>{@link TestAgent}: the suite's agent (unless {@code @SuiteConfig(configuredProcessor = true)});</li>
 *   <li>{@link EventRecorder}: attached before the suite starts, so it has every event;</li>
 *   <li>{@link ManualClock}: declaring one makes it the suite's clock (else its default monotonic clock).</li>
 * </ul>
 * After the test the suite is stopped gracefully (a no-op if the test stopped it) and every {@link TestAgent} gate is
 * opened, so no agent thread outlives its test; the Vert.x instance is closed after that.
 */
public final class SuiteExtension implements ParameterResolver, AfterEachCallback {
  private static final Namespace NAMESPACE = Namespace.create(SuiteExtension.class);
  private static final Set<Class<?>> RESOLVED = Set.of(OrchestratorSuite.class, TestAgent.class, EventRecorder.class,
    ManualClock.class);

  /** One test's suite and what came with it. */
  private record Running(OrchestratorSuite suite, TestAgent agent, EventRecorder events, ManualClock clock) {
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return RESOLVED.contains(parameter.getParameter().getType());
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Running running = context.getStore(NAMESPACE).getOrComputeIfAbsent(Running.class, key -> start(context),
      Running.class);
    Class<?> type = parameter.getParameter().getType();
    if (type == TestAgent.class && running.agent() == null) {
      throw new ParameterResolutionException("this test's suite runs the configured processor, not a TestAgent");
    }
    if (type == ManualClock.class && running.clock() == null) {
      throw new ParameterResolutionException("a ManualClock must be a parameter of the test method itself");
    }
    return type == OrchestratorSuite.class ? running.suite()
      : type == TestAgent.class ? running.agent()
      : type == EventRecorder.class ? running.events()
      : running.clock();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Running running = context.getStore(NAMESPACE).remove(Running.class, Running.class);
    if (running == null) {
      return;
    }
    try {
      Await.result(running.suite().stop(), 60);
    } finally {
      if (running.agent() != null) {
        running.agent().openAll();
      }
    }
  }

  private static Running start(ExtensionContext context) {
    Vertx vertx = vertx(context);
    List<SuiteConfig> configs = annotations(context);
    JsonObject json = Suites.baseConfig();
    boolean http = configs.stream().anyMatch(SuiteConfig::http);
    if (http) {
      json.put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0));
    }
    configs.forEach(config -> Arrays.stream(config.value()).forEach(entry -> put(json, entry)));
    boolean configuredProcessor = configs.stream().anyMatch(SuiteConfig::configuredProcessor);
    boolean wantsClock = context.getTestMethod()
      .map(method -> Arrays.asList(method.getParameterTypes()).contains(ManualClock.class)).orElse(false);

    TestAgent agent = configuredProcessor ? null : new TestAgent();
    ManualClock clock = wantsClock ? new ManualClock() : null;
    OrchestratorSuite.Options options = OrchestratorSuite.Options.defaults().withProcessor(agent);
    if (clock != null) {
      options = options.withClock(clock);
    }
    if (!http) {
      options = options.withoutHttp();
    }
    EventRecorder events = EventRecorder.attach(vertx);
    OrchestratorSuite suite = Await.result(OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(json), options), 60);
    return new Running(suite, agent, events, clock);
  }

  /** The class's {@code @SuiteConfig} (searching enclosing and super classes), then the method's. */
  private static List<SuiteConfig> annotations(ExtensionContext context) {
    Optional<SuiteConfig> onClass = context.getTestClass()
      .flatMap(type -> AnnotationSupport.findAnnotation(type, SuiteConfig.class));
    Optional<SuiteConfig> onMethod = context.getTestMethod()
      .flatMap(method -> AnnotationSupport.findAnnotation(method, SuiteConfig.class));
    return java.util.stream.Stream.of(onClass, onMethod).flatMap(Optional::stream).toList();
  }

  /** {@code "a.b=value"}: puts the value at path a → b, as JSON when it is JSON, else as a string. */
  private static void put(JsonObject json, String entry) {
    int equals = entry.indexOf('=');
    if (equals <= 0) {
      throw new IllegalArgumentException("@SuiteConfig entries are key=value, got '" + entry + "'");
    }
    String[] path = entry.substring(0, equals).trim().split("\\.");
    String text = entry.substring(equals + 1).trim();
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException notJson) {
      value = text;
    }
    JsonObject parent = json;
    for (int i = 0; i < path.length - 1; i++) {
      JsonObject child = parent.getJsonObject(path[i]);
      if (child == null) {
        child = new JsonObject();
        parent.put(path[i], child);
      }
      parent = child;
    }
    parent.put(path[path.length - 1], value);
  }

  /**
   * The test's Vert.x instance, shared with {@link VertxExtension}: it keeps its instance under
   * {@link VertxExtension#VERTX_INSTANCE_KEY} in the {@code GLOBAL} store (the parent context's first), as a
   * {@link Supplier}; whichever extension asks first creates it, and the store closes it after the test.
   */
  private static Vertx vertx(ExtensionContext context) {
    Object shared = context.getParent()
      .map(parent -> parent.getStore(Namespace.GLOBAL).get(VertxExtension.VERTX_INSTANCE_KEY))
      .orElse(null);
    if (shared == null) {
      shared = context.getStore(Namespace.GLOBAL).getOrComputeIfAbsent(VertxExtension.VERTX_INSTANCE_KEY,
        key -> new ClosingVertx(Vertx.vertx()));
    }
    return shared instanceof Supplier<?> supplier ? (Vertx) supplier.get() : (Vertx) shared;
  }

  /** A Vert.x instance the test's store closes when the test ends. */
  private record ClosingVertx(Vertx vertx) implements Supplier<Vertx>, ExtensionContext.Store.CloseableResource {
    @Override
    public Vertx get() {
      return vertx;
    }

    @Override
    public void close() {
      Await.result(vertx.close(), 60);
    }
  }
}
