package io.messageorchestrator.agent;

import io.messageorchestrator.core.HistoryEntry;
import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/**
 * The request the {@code http} and {@code eventbus} agents send: {@code {contactId, processId, attempt, message,
 * heldMessages?, messages?, history?}} — held messages (V3, {@code onResume=last}), a coalesced call's fragments in
 * order (V1/V2; {@code message} is their joined text) and the conversation's history (V4), each left out when empty.
 */
final class AgentRequests {
  private AgentRequests() {
  }

  static JsonObject of(InboundMessage message, ProcessingContext context) {
    JsonObject request = new JsonObject().put("contactId", context.contactId()).put("processId", context.processId())
      .put("attempt", context.attempt())
      .put("message", message.toJson());
    putIfAny(request, "heldMessages", context.heldMessages(), InboundMessage::toJson);
    if (context.messages().size() > 1) {
      putIfAny(request, "messages", context.messages(), InboundMessage::toJson);
    }
    putIfAny(request, "history", context.history(), HistoryEntry::toJson);
    return request;
  }

  private static <T> void putIfAny(JsonObject request, String field, List<T> items, Function<T, JsonObject> toJson) {
    if (!items.isEmpty()) {
      request.put(field, new JsonArray(items.stream().map(item -> (Object) toJson.apply(item)).toList()));
    }
  }
}
