package io.messageorchestrator.agent;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.ConfigLoader;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code processor.classpath}: a {@code class} agent that is not on the service's classpath (as with
 * {@code java -jar}) is loaded from the jars or folders it names. The agent is compiled at test time into a temporary
 * folder, so the test classpath cannot see it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
@DisplayName("processor.classpath")
class ProcessorClasspathTest {

  private static final String AGENT_CLASS = "plugin.agents.PluginAgent";
  private static final String AGENT_SOURCE = """
    package plugin.agents;

    import io.messageorchestrator.agent.AgentProcessor;
    import io.messageorchestrator.agent.AgentReply;
    import io.messageorchestrator.agent.ProcessingContext;
    import io.messageorchestrator.core.InboundMessage;

    public class PluginAgent implements AgentProcessor {
      @Override
      public AgentReply process(InboundMessage message, ProcessingContext context) {
        return AgentReply.of("plugin says " + message.text());
      }
    }
    """;

  @TempDir
  static Path pluginDir;
  private static Path classesDir;
  private static Path jar;
  private OrchestratorSuite suite;

  @BeforeAll
  static void compileAgentOutsideTheClasspath() throws Exception {
    Path sources = Files.createDirectories(pluginDir.resolve("src/plugin/agents"));
    Path source = Files.writeString(sources.resolve("PluginAgent.java"), AGENT_SOURCE);
    classesDir = Files.createDirectories(pluginDir.resolve("classes"));
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = compiler.run(null, diagnostics, diagnostics, "-classpath", System.getProperty("java.class.path"),
      "-d", classesDir.toString(), source.toString());
    assertThat(status).as("javac: %s", diagnostics).isZero();

    jar = pluginDir.resolve("plugin-agent.jar");
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
         Stream<Path> classes = Files.walk(classesDir)) {
      for (Path classFile : classes.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classesDir.relativize(classFile).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(classFile));
        out.closeEntry();
      }
    }
  }

  @AfterEach
  void stop(VertxTestContext testContext) {
    Suites.stopIfStarted(suite, testContext);
  }

  private Future<OrchestratorSuite> deploy(Vertx vertx, JsonArray classpath) {
    OrchestratorConfig config = OrchestratorConfig.from(Suites.baseConfig()
      .put("processor", new JsonObject().put("type", "class").put("class", AGENT_CLASS).put("classpath", classpath)));
    return OrchestratorSuite.deploy(vertx, config, OrchestratorSuite.Options.defaults().withoutHttp())
      .onSuccess(deployed -> suite = deployed);
  }

  @Test
  @DisplayName("the agent class is not visible on the service's own classpath (the premise of this test)")
  void agentIsNotOnTheTestClasspath() {
    assertThatThrownBy(() -> Class.forName(AGENT_CLASS)).isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  @DisplayName("without processor.classpath the agent cannot be created, and the error points to processor.classpath")
  void withoutClasspathTheAgentIsNotFound(Vertx vertx, VertxTestContext testContext) {
    deploy(vertx, new JsonArray()).onComplete(testContext.failing(failure -> testContext.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class)
        .hasMessageContaining(AGENT_CLASS)
        .hasMessageContaining("processor.classpath");
      testContext.completeNow();
    })));
  }

  @Test
  @DisplayName("an agent in a jar named by processor.classpath processes messages")
  void agentFromJarProcesses(Vertx vertx, VertxTestContext testContext) {
    deploy(vertx, new JsonArray().add(jar.toString()))
      .compose(deployed -> deployed.client().processMessage("c-plugin", InboundMessage.text("hello")))
      .onComplete(testContext.succeeding(result -> testContext.verify(() -> {
        assertThat(result.status()).isEqualTo(ProcessResult.Status.PROCESSED);
        assertThat(result.response()).isEqualTo("plugin says hello");
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("an agent in a folder of classes named by processor.classpath processes messages")
  void agentFromFolderProcesses(Vertx vertx, VertxTestContext testContext) {
    deploy(vertx, new JsonArray().add(classesDir.toString()))
      .compose(deployed -> deployed.client().processMessage("c-plugin", InboundMessage.text("hi")))
      .onComplete(testContext.succeeding(result -> testContext.verify(() -> {
        assertThat(result.response()).isEqualTo("plugin says hi");
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("a missing classpath entry fails the deployment naming processor.classpath and the entry")
  void missingEntryFails(Vertx vertx, VertxTestContext testContext) {
    String missing = pluginDir.resolve("no-such-agent.jar").toString();
    deploy(vertx, new JsonArray().add(classesDir.toString()).add(missing))
      .onComplete(testContext.failing(failure -> testContext.verify(() -> {
        assertThat(failure).isInstanceOf(ConfigException.class)
          .hasMessageContaining("'processor.classpath' entry '" + missing + "' does not exist");
        assertThat(vertx.deploymentIDs()).as("nothing left deployed").isEmpty();
        testContext.completeNow();
      })));
  }

  @Test
  @DisplayName("PROCESSOR_CLASSPATH is a comma-separated list")
  void environmentVariableIsCommaSeparated() {
    OrchestratorConfig config = ConfigLoader.resolve(new JsonObject(),
      Map.of("PROCESSOR_CLASSPATH", " /opt/agents/agent.jar, /opt/agents/classes/ ,"));

    assertThat(config.processor().classpath()).isEqualTo(List.of("/opt/agents/agent.jar", "/opt/agents/classes/"));
  }
}
