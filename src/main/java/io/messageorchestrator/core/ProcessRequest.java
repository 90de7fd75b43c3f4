package io.messageorchestrator.core;

/**
 * {@code processMessage} from Java code in this node: the same request as the event-bus JSON form, passed by
 * reference with a local codec (no JSON building, copying or parsing on the hop). Answered with a
 * {@link ProcessResult} record.
 *
 * @param acceptOnly answer as soon as the message is accepted (see {@link OrchestratorClient#accept})
 */
public record ProcessRequest(String contactId, InboundMessage message, boolean acceptOnly) {
}
