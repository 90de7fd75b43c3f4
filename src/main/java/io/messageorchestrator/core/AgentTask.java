package io.messageorchestrator.core;


/**
 * Shard → agent worker (a one-way send with a local codec): process one message before {@code deadlineNanos} and
 * hand the {@link AgentResult} to {@code replyTo}. The deadline is a {@link System#nanoTime()} value (tasks never
 * leave the JVM), so a wall-clock jump cannot move it. The fencing token travels with the task so the shard can tell
 * the current lease's result from a late one.
 */
public record AgentTask(String account, String contactId, String processId, InboundMessage message, int attempt,
                        long deadlineNanos, long fencingToken, AgentResultSink replyTo) {
}
