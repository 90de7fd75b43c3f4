package io.messageorchestrator.agent;

import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.Vertx;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Builds the processor chosen by {@code processor.type}. */
public final class AgentProcessors {
  private AgentProcessors() {
  }

  public static AgentProcessor create(Vertx vertx, OrchestratorConfig config) {
    OrchestratorConfig.Processor settings = config.processor();
    return switch (settings.type()) {
      case "http" -> new HttpAgent(vertx, settings.url());
      case "eventbus" -> new EventBusAgent(vertx, settings.address());
      case "openai" -> new OpenAiAgent(vertx, settings);
      case "class" -> instantiate(vertx, config, settings.className(), classLoader(settings.classpath()));
      default -> new EchoAgent();
    };
  }

  /**
   * The loader of {@code processor.class}: the service's own, or one that also reads {@code processor.classpath}
   * (parent first, so the agent shares the service's {@code AgentProcessor} and Vert.x classes). It lives as long as
   * the process, like the agent it loaded.
   */
  static ClassLoader classLoader(List<String> classpath) {
    ClassLoader parent = AgentProcessors.class.getClassLoader();
    if (classpath.isEmpty()) {
      return parent;
    }
    URL[] urls = new URL[classpath.size()];
    for (int i = 0; i < urls.length; i++) {
      Path entry = Path.of(classpath.get(i)).toAbsolutePath().normalize();
      if (!Files.isDirectory(entry) && !Files.isRegularFile(entry)) {
        throw new ConfigException("Invalid configuration: 'processor.classpath' entry '" + classpath.get(i)
          + "' does not exist (looked for " + entry + "); give jars or folders of classes");
      }
      try {
        urls[i] = entry.toUri().toURL();
      } catch (MalformedURLException e) {
        throw new ConfigException("Invalid configuration: 'processor.classpath' entry '" + classpath.get(i)
          + "' is not a usable path: " + e.getMessage());
      }
    }
    return new URLClassLoader("processor.classpath", urls, parent);
  }

  private static AgentProcessor instantiate(Vertx vertx, OrchestratorConfig config, String className,
                                            ClassLoader loader) {
    try {
      Class<?> type = Class.forName(className, true, loader);
      if (!AgentProcessor.class.isAssignableFrom(type)) {
        throw new ConfigException("Invalid configuration: 'processor.class' " + className
          + " does not implement " + AgentProcessor.class.getName());
      }
      try {
        return (AgentProcessor) type.getConstructor(Vertx.class, OrchestratorConfig.class).newInstance(vertx, config);
      } catch (NoSuchMethodException e) {
        return (AgentProcessor) type.getConstructor().newInstance();
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new ConfigException("Invalid configuration: 'processor.class' " + className + " cannot be created: " + e
        + (config.processor().classpath().isEmpty() ? " (is it on the classpath? with java -jar, give its jar or"
        + " folder in processor.classpath)" : " (looked in processor.classpath " + config.processor().classpath()
        + " too)"));
    }
  }
}
