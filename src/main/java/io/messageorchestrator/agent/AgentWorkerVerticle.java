package io.messageorchestrator.agent;

import io.messageorchestrator.core.AgentTask;
import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.core.AgentResultSink;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ContactIds;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.MessageConsumerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the {@link AgentProcessor}, each call on its own virtual thread. Deployed with
 * {@code ThreadingModel.VIRTUAL_THREAD}; because such a verticle's consumer takes one message at a time, the
 * handler only hands the call to a virtual-thread-per-task executor and returns; the call's own virtual thread hands
 * the {@link AgentResult} to the task's {@link AgentResultSink} (the shard's inbox, which re-enters the shard's
 * context). Thousands of slow calls can be in flight; how many is bounded upstream by {@code maxConcurrentContacts}
 * permits, so tasks are never discarded by the consumer's buffer. Tasks are one-way sends and results need no
 * reply: the shard's lease deadline, not a reply timeout, bounds every attempt.
 *
 * <p>An attempt is interrupted when its shard ends the lease (timeout, unlock, shutdown) and publishes a cancel for
 * its process id.
 */
public final class AgentWorkerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AgentWorkerVerticle.class);

  private final AgentProcessor processor;
  private final int maxInFlight;
  private final AgentCircuit circuit;
  /**
   * Calls in flight by process id, for cancellation. Written by the calls' own virtual threads as they finish
   * (handing the result straight from there saves a hop through this verticle's context per call), hence concurrent.
   */
  private final Map<String, FutureTask<Void>> running = new ConcurrentHashMap<>();
  private ExecutorService executor;

  /** @param maxInFlight upper bound of concurrent calls (the node's {@code maxConcurrentContacts}) */
  public AgentWorkerVerticle(AgentProcessor processor, int maxInFlight) {
    this(processor, maxInFlight, null);
  }

  /**
   * @param circuit the node's agent circuit, shared by every worker instance; {@code null}: calls always go through
   */
  public AgentWorkerVerticle(AgentProcessor processor, int maxInFlight, AgentCircuit circuit) {
    this.processor = processor;
    this.maxInFlight = maxInFlight;
    this.circuit = circuit != null ? circuit : AgentCircuit.disabled();
  }

  @Override
  public Future<?> start() {
    // One name for all calls: numbering each thread cost a formatted string per message.
    executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("agent-call").factory());
    // Never let the consumer's buffer discard requests: at most maxInFlight calls exist at once.
    // Local only: a task carries its shard's result inbox, which only exists in this JVM.
    MessageConsumer<AgentTask> tasks = vertx.eventBus().consumer(new MessageConsumerOptions()
      .setAddress(Addresses.AGENT).setLocalOnly(true).setMaxBufferedMessages(Math.max(1_000, maxInFlight * 2)),
      this::onTask);
    MessageConsumer<String> cancels = vertx.eventBus().localConsumer(Addresses.AGENT_CANCEL, this::onCancel);
    return Future.all(tasks.completion(), cancels.completion());
  }

  @Override
  public Future<?> stop() {
    executor.shutdownNow();
    return vertx.executeBlocking(() -> executor.awaitTermination(5, TimeUnit.SECONDS))
      .onComplete(ignored -> processor.close());
  }

  private void onTask(Message<AgentTask> message) {
    AgentTask task = message.body();
    ProcessingContext processingContext = new ProcessingContext(task.contactId(), task.processId(), task.attempt(),
      task.deadlineNanos(), task.heldBefore(), task.messages(), task.history());
    AgentCircuit.Admission admission = circuit.admit(processingContext.remaining().toMillis());
    if (!admission.allowed()) {
      // The agent is known to be unreachable: the message waits instead of spending an attempt (J6b).
      task.replyTo().deliver(AgentResult.of(task, AgentOutcome.notAttempted(
        "agent unavailable (circuit open)", admission.retryAfterMs())));
      return;
    }
    // Registered before it can run, so the call's own removal can never precede its registration.
    AtomicReference<FutureTask<Void>> self = new AtomicReference<>();
    FutureTask<Void> call = new FutureTask<>(() -> {
      AgentOutcome outcome = invoke(task, processingContext, admission);
      // Only itself: an interrupted call's restart (midTurn=interrupt) may be registered under the same id by now.
      running.remove(task.processId(), self.get());
      try {
        task.replyTo().deliver(AgentResult.of(task, outcome));
      } catch (RuntimeException e) {
        // A FutureTask would keep this to itself: say it, the lease's deadline then ends the attempt.
        LOG.error("The result of {} could not be handed back to its shard", task.processId(), e);
      }
    }, null);
    self.set(call);
    running.put(task.processId(), call);
    try {
      executor.execute(call);
    } catch (RejectedExecutionException stopping) {
      running.remove(task.processId());
      circuit.record(admission, AgentCircuit.Verdict.NONE);
      task.replyTo().deliver(AgentResult.of(task, AgentOutcome.error("agent worker is stopping")));
    }
  }

  private AgentOutcome invoke(AgentTask task, ProcessingContext processingContext,
                              AgentCircuit.Admission admission) {
    try {
      AgentReply reply = processor.process(task.message(), processingContext);
      circuit.record(admission, AgentCircuit.Verdict.AVAILABLE);
      return reply == null ? AgentOutcome.reply(null, null)
        : AgentOutcome.reply(reply.response(), reply.metadata(), reply.handoff());
    } catch (InterruptedException e) {
      circuit.record(admission, AgentCircuit.Verdict.NONE);
      return AgentOutcome.ofCancelled();
    } catch (Throwable e) {
      if (Thread.currentThread().isInterrupted()) {
        circuit.record(admission, AgentCircuit.Verdict.NONE);
        return AgentOutcome.ofCancelled();
      }
      circuit.record(admission, e instanceof AgentUnavailableException ? AgentCircuit.Verdict.UNAVAILABLE
        : AgentCircuit.Verdict.AVAILABLE);
      LOG.debug("Agent failed for contact {} (process {})", ContactIds.mask(task.contactId()), task.processId(), e);
      String error = e.getClass().getSimpleName() + ": " + e.getMessage();
      return e instanceof AgentCallException call && !call.retryable() ? AgentOutcome.nonRetryableError(error)
        : AgentOutcome.error(error);
    }
  }

  /** Calls started and not yet finished or cancelled. */
  int callsInFlight() {
    return running.size();
  }

  private void onCancel(Message<String> message) {
    interrupt(message.body());
  }

  private void interrupt(String processId) {
    FutureTask<Void> call = running.remove(processId);
    if (call != null) {
      call.cancel(true);
    }
  }
}
