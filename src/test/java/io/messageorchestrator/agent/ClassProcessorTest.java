package io.messageorchestrator.agent;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code processor.type=class}: the orchestrator instantiates the named {@link AgentProcessor}. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
@DisplayName("processor.type=class")
public class ClassProcessorTest {

  /** Selected by name: public, with a public no-argument constructor. */
  public static final class ShoutingAgent implements AgentProcessor {
    public ShoutingAgent() {
    }

    @Override
    public AgentReply process(InboundMessage message, ProcessingContext context) {
      return AgentReply.of(message.text().toUpperCase(Locale.ROOT) + " (for " + context.contactId() + ")");
    }
  }

  /** Selected by name: built with the {@code (Vertx, OrchestratorConfig)} constructor. */
  public static final class ConfiguredAgent implements AgentProcessor {
    private final long timeout;

    public ConfiguredAgent(Vertx vertx, OrchestratorConfig config) {
      this.timeout = config.processingTimeout();
    }

    @Override
    public AgentReply process(InboundMessage message, ProcessingContext context) {
      return AgentReply.of("configured with " + timeout);
    }
  }

  /** An agent whose class cannot even be initialised (its static initialiser throws). */
  public static final class UninitialisableAgent implements AgentProcessor {
    private static final String GREETING = failToInitialise();

    public UninitialisableAgent() {
    }

    private static String failToInitialise() {
      throw new IllegalStateException("static initialiser failed");
    }

    @Override
    public AgentReply process(InboundMessage message, ProcessingContext context) {
      return AgentReply.of(GREETING);
    }
  }

  /** Not an agent at all. */
  public static final class NotAnAgent {
    public NotAnAgent() {
    }
  }

  private OrchestratorSuite suite;

  @AfterEach
  void stop(VertxTestContext testContext) {
    Suites.stopIfStarted(suite, testContext);
  }

  private Future<OrchestratorSuite> deploy(Vertx vertx, String className) {
    OrchestratorConfig config = OrchestratorConfig.from(Suites.baseConfig()
      .put("processingTimeout", 4_321)
      .put("shards", 2)
      .put("shutdownGracePeriod", 500)
      .put("processor", new JsonObject().put("type", "class").put("class", className)));
    return OrchestratorSuite.deploy(vertx, config, OrchestratorSuite.Options.defaults().withoutHttp())
      .onSuccess(deployed -> suite = deployed);
  }

  @Test
  @DisplayName("a class with a public no-argument constructor is instantiated and its reply is used")
  void noArgumentClassReplies(Vertx vertx, VertxTestContext testContext) {
    deploy(vertx, ShoutingAgent.class.getName())
      .compose(deployed -> deployed.client().processMessage("c-class", InboundMessage.text("hello")))
      .onComplete(testContext.succeeding(result -> testContext.verify(() -> {
        assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
        assertThat(result.response()).isEqualTo("HELLO (for c-class)");
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("a class with a (Vertx, OrchestratorConfig) constructor receives the running configuration")
  void configuredClassReplies(Vertx vertx, VertxTestContext testContext) {
    deploy(vertx, ConfiguredAgent.class.getName())
      .compose(deployed -> deployed.client().processMessage("c-class", InboundMessage.text("hello")))
      .onComplete(testContext.succeeding(result -> testContext.verify(() -> {
        assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
        assertThat(result.response()).isEqualTo("configured with 4321");
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("a class name that does not exist fails the deployment with a ConfigException naming processor.class")
  void missingClassFailsDeployment(Vertx vertx, VertxTestContext testContext) {
    deploy(vertx, "io.messageorchestrator.agent.NoSuchAgent")
      .onComplete(testContext.failing(failure -> testContext.verify(() -> {
        assertThat(failure).isInstanceOf(ConfigException.class)
          .hasMessageContaining("processor.class")
          .hasMessageContaining("io.messageorchestrator.agent.NoSuchAgent");
        assertThat(vertx.deploymentIDs()).as("nothing left deployed").isEmpty();
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("a class that does not implement AgentProcessor fails the deployment naming processor.class")
  void nonAgentClassFailsDeployment(Vertx vertx, VertxTestContext testContext) {
    deploy(vertx, NotAnAgent.class.getName())
      .onComplete(testContext.failing(failure -> testContext.verify(() -> {
        assertThat(failure).isInstanceOf(ConfigException.class)
          .hasMessageContaining("processor.class")
          .hasMessageContaining("AgentProcessor");
        assertThat(vertx.deploymentIDs()).isEmpty();
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("a class whose static initialiser throws fails the deployment with a ConfigException naming processor.class")
  void uninitialisableClassFailsDeployment(Vertx vertx, VertxTestContext testContext) {
    Future<OrchestratorSuite> deployment;
    try {
      deployment = deploy(vertx, UninitialisableAgent.class.getName());
    } catch (Throwable thrown) {
      testContext.failNow(new AssertionError("deploy threw instead of returning a failed future", thrown));
      return;
    }
    deployment.onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining("processor.class")
        .hasMessageContaining(UninitialisableAgent.class.getName());
      assertThat(vertx.deploymentIDs()).isEmpty();
      testContext.completeNow();
    })));
  }
}
