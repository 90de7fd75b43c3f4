package io.messageorchestrator.eventbus;

import io.messageorchestrator.core.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.Message;

/**
 * Cluster mode (K6): which node published an event. On a clustered event bus a cluster-wide consumer of an event
 * address ({@code /admin/events}, {@code OrchestratorClient.on}) receives every node's events, so each event a node
 * publishes carries the event-bus header {@value #HEADER}: the node's member address ({@code host:port}, the
 * {@code node} label of its meters). A header rather than a field of the payload: the publishers stay as they are
 * (a single node publishes exactly what it did before) and the payload, shared read-only by the node's local
 * consumers, is never copied for it.
 */
public final class EventOrigin {
  public static final String HEADER = "node";

  private final Vertx vertx;
  private final Handler<DeliveryContext<Object>> stamp;

  private EventOrigin(Vertx vertx, String node) {
    this.vertx = vertx;
    this.stamp = delivery -> {
      if (delivery.message().address().startsWith(Addresses.EVENTS_PREFIX)) {
        delivery.message().headers().set(HEADER, node);
      }
      delivery.next();
    };
  }

  /** From now on every event published on {@code vertx} carries {@code node}; {@link #stop()} ends it. */
  public static EventOrigin stamp(Vertx vertx, String node) {
    EventOrigin origin = new EventOrigin(vertx, node);
    vertx.eventBus().addOutboundInterceptor(origin.stamp);
    return origin;
  }

  public void stop() {
    vertx.eventBus().removeOutboundInterceptor(stamp);
  }

  /** The node that published {@code event}, or {@code null} (a single node, or a publisher that is not a suite). */
  public static String of(Message<?> event) {
    return event.headers().get(HEADER);
  }
}
