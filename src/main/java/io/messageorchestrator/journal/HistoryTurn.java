package io.messageorchestrator.journal;

import io.messageorchestrator.core.HistoryEntry;

/**
 * V4: one entry of a conversation's history as the journal holds it: a finished message's text or its reply, with
 * the message's process id (so that a shard merging what it read with what it recorded since counts nothing twice).
 */
public record HistoryTurn(String account, String contactId, String processId, HistoryEntry entry) {
}
