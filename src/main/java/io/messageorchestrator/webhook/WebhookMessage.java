package io.messageorchestrator.webhook;

import io.messageorchestrator.core.InboundMessage;

/** One provider message, ready for {@code OrchestratorClient.processMessage(contactId, message)}. */
public record WebhookMessage(String contactId, InboundMessage message) {
}
