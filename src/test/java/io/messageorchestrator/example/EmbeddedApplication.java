package io.messageorchestrator.example;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentProcessor;
import io.messageorchestrator.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The README's "Embed it in your Vert.x application", compiled and run by {@link EmbeddingExampleTest}; the README
 * shows the part between the tags verbatim (the test checks it).
 */
// tag::embed[]
/** A verticle of your own application: it talks to the orchestrator over the event bus only. */
public class EmbeddedApplication extends VerticleBase {
  private final Handler<JsonObject> channel; // where replies go: your WhatsApp, SMS or chat sender

  public EmbeddedApplication(Handler<JsonObject> channel) {
    this.channel = channel;
  }

  /**
   * Deploys the orchestrator, configured like the service (built-in defaults, then {@code configFile}, then
   * environment variables), with your agent and without its HTTP server; then this verticle. Deployed side by side,
   * not from inside a verticle: stopping is then yours to order (see {@code OrchestratorSuite.stop()}).
   */
  public static Future<OrchestratorSuite> deploy(Vertx vertx, String configFile, AgentProcessor agent,
                                                 EmbeddedApplication application) {
    return ConfigLoader.load(vertx, configFile)
      .compose(config -> OrchestratorSuite.deploy(vertx, config,
        OrchestratorSuite.Options.defaults().withProcessor(agent).withoutHttp()))
      .compose(orchestrator -> vertx.deployVerticle(application).map(id -> orchestrator));
  }

  @Override
  public Future<?> start() {
    // Every reply, including those of messages that waited in a queue, is announced as a messageProcessed event.
    return vertx.eventBus().<JsonObject>consumer("orchestrator.events.messageProcessed", event -> {
      JsonObject processed = event.body(); // shared with other consumers: read, don't modify
      channel.handle(new JsonObject()
        .put("to", processed.getString("contactId"))
        .put("text", processed.getString("response")));
    }).completion();
  }

  /** Hands one customer message to the orchestrator: one at a time and in order per contact, never twice. */
  public Future<JsonObject> onCustomerMessage(String contactId, String text, String messageId) {
    JsonObject request = new JsonObject()
      .put("contactId", contactId)
      .put("message", new JsonObject().put("text", text).put("messageId", messageId));
    // The answer can take lockTimeout + processingTimeout (35 s by default): wait longer than that.
    return vertx.eventBus().<JsonObject>request("orchestrator.process", request,
        new DeliveryOptions().setSendTimeout(60_000))
      .map(Message::body);
  }
}
// end::embed[]
