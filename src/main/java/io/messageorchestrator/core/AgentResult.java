package io.messageorchestrator.core;

/** Agent worker → shard, through the task's {@link AgentResultSink}: the outcome of one {@link AgentTask}. */
public record AgentResult(String contactId, String processId, long fencingToken, long deadlineEpochMs,
                          AgentOutcome outcome) {

  public static AgentResult of(AgentTask task, AgentOutcome outcome) {
    return new AgentResult(task.contactId(), task.processId(), task.fencingToken(), task.deadlineEpochMs(), outcome);
  }
}
