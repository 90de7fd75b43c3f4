package io.messageorchestrator.agent;

import io.messageorchestrator.orchestrator.InboundMessage;

/** Shard → agent worker: process one message before {@code deadlineEpochMs}. Sent with a local codec. */
public record AgentTask(String contactId, String processId, InboundMessage message, int attempt,
                        long deadlineEpochMs) {
}
