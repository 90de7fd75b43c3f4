package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.WireFormat;
import io.vertx.core.json.JsonObject;

/**
 * Reads a process request off the event bus: the record itself, or its JSON form from any other sender — in a cluster,
 * possibly a node of another version ({@link WireFormat}): a request of any format is read by the fields this version
 * knows; the others are ignored.
 */
final class ProcessRequests {
  private ProcessRequests() {
  }

  /**
   * The request in {@code body}, with an idempotency key fixed now if its message has no provider id (so a forward
   * that is sent again is the same delivery).
   *
   * @throws InvalidRequestException naming the field that is wrong (answered 400)
   */
  static ProcessRequest parse(Object body) {
    try {
      if (body instanceof ProcessRequest typed) {
        ContactIds.require(typed.contactId(), "contactId");
        return typed;
      }
      if (body instanceof JsonObject json) {
        WireFormat.versionOf(json); // every format so far reads the same; a malformed one is refused
        String contactId = ContactIds.require(json.getValue("contactId"), "contactId");
        InboundMessage message = InboundMessage.fromJson(json.getValue("message"));
        String account = json.getValue("account") == null ? Accounts.of(message)
          : Accounts.require(json.getValue("account"));
        Object replayOf = json.getValue("replayOf");
        if (replayOf != null && !(replayOf instanceof String)) {
          throw new InvalidRequestException("replayOf", "replayOf must be a string");
        }
        Object idempotencyKey = json.getValue("idempotencyKey");
        if (idempotencyKey != null && !(idempotencyKey instanceof String)) {
          throw new InvalidRequestException("idempotencyKey", "idempotencyKey must be a string");
        }
        Object acceptOnly = json.getValue("acceptOnly");
        if (acceptOnly != null && !(acceptOnly instanceof Boolean)) {
          throw new InvalidRequestException("acceptOnly", "acceptOnly must be a boolean");
        }
        return new ProcessRequest(account, contactId, message, Boolean.TRUE.equals(acceptOnly), (String) replayOf,
          (String) idempotencyKey).withIdempotencyKey();
      }
    } catch (ClassCastException e) {
      throw new InvalidRequestException("message", e.getMessage());
    }
    throw new InvalidRequestException("contactId", "request body must be {contactId, message}");
  }
}
