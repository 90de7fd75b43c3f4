package io.messageorchestrator.core;


/**
 * Shard → agent worker (a one-way send with a local codec): process one message before {@code deadlineEpochMs} and
 * hand the {@link AgentResult} to {@code replyTo}. The fencing token travels with the task so the shard can tell the
 * current lease's result from a late one.
 */
public record AgentTask(String contactId, String processId, InboundMessage message, int attempt,
                        long deadlineEpochMs, long fencingToken, AgentResultSink replyTo) {
}
