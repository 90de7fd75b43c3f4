package io.messageorchestrator.agent;

import io.messageorchestrator.config.ConfigException;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.Vertx;

/** Builds the processor chosen by {@code processor.type}. */
public final class AgentProcessors {
  private AgentProcessors() {
  }

  public static AgentProcessor create(Vertx vertx, OrchestratorConfig config) {
    OrchestratorConfig.Processor settings = config.processor();
    return switch (settings.type()) {
      case "http" -> new HttpAgent(vertx, settings.url());
      case "eventbus" -> new EventBusAgent(vertx, settings.address());
      case "class" -> instantiate(vertx, config, settings.className());
      default -> new EchoAgent();
    };
  }

  private static AgentProcessor instantiate(Vertx vertx, OrchestratorConfig config, String className) {
    try {
      Class<?> type = Class.forName(className);
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
      throw new ConfigException("Invalid configuration: 'processor.class' " + className + " cannot be created: " + e);
    }
  }
}
