package io.messageorchestrator.core;

/**
 * Agent worker → shard, through the task's {@link AgentResultSink}: the outcome of one {@link AgentTask}
 * ({@code deadlineNanos} is the task's, on {@link System#nanoTime()}).
 */
public record AgentResult(String account, String contactId, String processId, long fencingToken, long deadlineNanos,
                          AgentOutcome outcome) {

  public static AgentResult of(AgentTask task, AgentOutcome outcome) {
    return new AgentResult(task.account(), task.contactId(), task.processId(), task.fencingToken(), task.deadlineNanos(), outcome);
  }
}
