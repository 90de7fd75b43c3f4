package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
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
    JsonObject request = new JsonObject().put("contactId", context.contactId()).put("processId", context.processId())
      .put("attempt", context.attempt())
      .put("message", message.toJson());
    if (!context.heldMessages().isEmpty()) {
      JsonArray held = new JsonArray();
      context.heldMessages().forEach(earlier -> held.add(earlier.toJson()));
      request.put("heldMessages", held);
    }
    if (context.messages().size() > 1) {
      // V1/V2: a coalesced call — every fragment in order; "message" is their joined text
      JsonArray messages = new JsonArray();
      context.messages().forEach(fragment -> messages.add(fragment.toJson()));
      request.put("messages", messages);
    }
    if (!context.history().isEmpty()) {
      JsonArray history = new JsonArray();
      context.history().forEach(entry -> history.add(entry.toJson()));
      request.put("history", history);
    }
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
