package io.messageorchestrator.agent;

import io.messageorchestrator.core.AgentTask;
import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.core.AgentResultSink;
import io.messageorchestrator.eventbus.LocalCodec;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.support.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class AgentWorkerVerticleTest {

  @Test
  @DisplayName("the worker answers every task once and forgets each call when it ends")
  void forgetsFinishedCalls(Vertx vertx) {
    LocalCodec.register(vertx, AgentTask.class);
    AgentWorkerVerticle worker = new AgentWorkerVerticle((message, context) -> AgentReply.of("ok"), 100);
    Await.result(vertx.deployVerticle(worker, new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD)));
    int tasks = 2_000;
    List<AgentResult> results = new CopyOnWriteArrayList<>();
    Promise<Void> all = Promise.promise();
    AgentResultSink sink = result -> {
      results.add(result);
      if (results.size() == tasks) {
        all.tryComplete(); // the sink runs on the calls' threads: two may see the last size
      }
    };

    for (int i = 0; i < tasks; i++) {
      vertx.eventBus().send(Addresses.AGENT, new AgentTask("default", "c" + i, "p" + i, InboundMessage.text("hi"), 1,
        System.nanoTime() + 10_000_000_000L, i, sink));
    }

    Await.result(all.future());
    assertThat(results).extracting(AgentResult::processId).doesNotHaveDuplicates().hasSize(tasks);
    assertThat(results).allMatch(result -> "ok".equals(result.outcome().response()));
    assertThat(worker.callsInFlight()).isZero();
  }

  @Test
  @DisplayName("a cancel for a process id interrupts its call, which reports itself cancelled")
  void cancelInterrupts(Vertx vertx) {
    LocalCodec.register(vertx, AgentTask.class);
    Promise<Void> started = Promise.promise();
    AgentWorkerVerticle worker = new AgentWorkerVerticle((message, context) -> {
      started.tryComplete();
      Thread.sleep(Long.MAX_VALUE);
      return AgentReply.of("never");
    }, 10);
    Await.result(vertx.deployVerticle(worker, new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD)));
    Promise<AgentResult> result = Promise.promise();
    vertx.eventBus().send(Addresses.AGENT, new AgentTask("default", "c", "p-1", InboundMessage.text("hi"), 1,
      System.nanoTime() + 60_000_000_000L, 1, result::tryComplete));
    Await.result(started.future());
    assertThat(worker.callsInFlight()).isEqualTo(1);

    vertx.eventBus().publish(Addresses.AGENT_CANCEL, "p-1");

    assertThat(Await.result(result.future()).outcome().cancelled()).isTrue();
    assertThat(worker.callsInFlight()).isZero();
  }
}
