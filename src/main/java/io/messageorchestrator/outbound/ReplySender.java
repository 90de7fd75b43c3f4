package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * One delivery attempt of a reply to its contact. The future succeeds when the provider accepted the reply — with the
 * provider's id of the sent message when its answer names one (Cloud API {@code messages[0].id}, Evolution
 * {@code key.id}), else {@code null}: its echo is recognised by that id (V3) — and
 * fails with a {@link DeliveryException} when the provider refused it (its {@code retryable} decides whether
 * another attempt may follow) or with any other exception for transport errors, which are retryable. An
 * implementation bounds each attempt by {@code outbound.timeout}, never retries by itself, and never puts
 * credentials into failure messages. Called on the {@link OutboundVerticle}'s event loop.
 */
public interface ReplySender {

  Future<String> send(OutboundReply reply);

  /** Releases connections; attempts still in flight may fail. */
  default void close() {
  }

  /** The sender named by {@code outbound.type}. */
  static ReplySender create(Vertx vertx, OutboundSettings settings) {
    return switch (settings.type()) {
      case LOG -> new LogReplySender();
      case WHATSAPP_CLOUD -> new WhatsAppCloudReplySender(vertx, settings);
      case EVOLUTION -> new EvolutionReplySender(vertx, settings);
      case HTTP -> new HttpCallbackReplySender(vertx, settings);
    };
  }
}
