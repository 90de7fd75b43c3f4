package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Asks the user's own verticle: request {@code {contactId, processId, attempt, message, heldMessages?, messages?,
 * history?}} to {@code processor.address} ({@code messages}: V1/V2, a coalesced call's fragments in order;
 * {@code history}: V4; each left out when not needed). The reply is either a string or an object with a
 * {@code response} string (and {@code handoff: true} to ask for a human); a failed reply is a processing error.
 */
public final class EventBusAgent implements AgentProcessor {
  private final Vertx vertx;
  private final String address;

  public EventBusAgent(Vertx vertx, String address) {
    this.vertx = vertx;
    this.address = address;
  }

  @Override
  public AgentReply process(InboundMessage message, ProcessingContext context) throws Exception {
    JsonObject request = AgentRequests.of(message, context);
    Message<Object> reply = Blocking.await(vertx.eventBus().request(address, request,
      new DeliveryOptions().setSendTimeout(Math.max(1, context.remaining().toMillis()))), context.remaining());
    Object body = reply.body();
    if (body instanceof String text) {
      return AgentReply.of(text);
    }
    if (body instanceof JsonObject json && AgentReply.fromJson(json) != null) {
      return AgentReply.fromJson(json);
    }
    throw new AgentCallException("reply from " + address + " has no 'response' string");
  }
}
