package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.AgentOutcome;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.AgentResult;
import io.messageorchestrator.support.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Agent results cross from the calls' threads to the shard's context: every one arrives, once, on that context. */
@ExtendWith(VertxExtension.class)
class ResultInboxTest {

  @Test
  @DisplayName("results delivered from many threads at once all reach the handler once, on the shard's context")
  void everyResultOnceOnTheContext(Vertx vertx) throws InterruptedException {
    Context context = vertx.getOrCreateContext();
    int threads = 8;
    int perThread = 10_000;
    List<String> handled = new ArrayList<>(); // touched on the context only
    AtomicInteger offContext = new AtomicInteger();
    Promise<Void> all = Promise.promise();
    ResultInbox inbox = new ResultInbox(context, result -> {
      if (Vertx.currentContext() != context) {
        offContext.incrementAndGet();
      }
      handled.add(result.processId());
      if (handled.size() == threads * perThread) {
        all.complete();
      }
    });

    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      senders.add(Thread.ofVirtual().start(() -> {
        for (int i = 0; i < perThread; i++) {
          inbox.deliver(result("p" + thread + "-" + i));
        }
      }));
    }
    for (Thread sender : senders) {
      sender.join();
    }

    Await.result(all.future());
    assertThat(offContext).hasValue(0);
    assertThat(handled).hasSize(threads * perThread).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("a result whose handling fails does not strand the results queued behind it")
  void failingResultDoesNotStrandOthers(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    Promise<String> last = Promise.promise();
    ResultInbox inbox = new ResultInbox(context, result -> {
      if (result.processId().equals("bad")) {
        throw new IllegalStateException("boom");
      }
      last.complete(result.processId());
    });
    context.runOnContext(v -> { // both queued before the drain runs: one batch
      inbox.deliver(result("bad"));
      inbox.deliver(result("good"));
    });
    assertThat(Await.result(last.future())).isEqualTo("good");
  }

  @Test
  @DisplayName("a drain yields the event loop after a batch: a task queued behind a burst of results runs in between")
  void drainYieldsTheLoop(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    int burst = ResultInbox.MAX_BATCH * 4;
    AtomicInteger handled = new AtomicInteger();
    Promise<Integer> handledWhenOtherTaskRan = Promise.promise();
    Promise<Void> all = Promise.promise();
    ResultInbox inbox = new ResultInbox(context, result -> {
      if (handled.incrementAndGet() == burst) {
        all.complete();
      }
    });
    context.runOnContext(v -> {
      for (int i = 0; i < burst; i++) {
        inbox.deliver(result("p" + i)); // one drain scheduled, behind this task
      }
      context.runOnContext(other -> handledWhenOtherTaskRan.complete(handled.get())); // queued after that drain
    });
    assertThat(Await.result(handledWhenOtherTaskRan.future())).isEqualTo(ResultInbox.MAX_BATCH);
    Await.result(all.future());
    assertThat(handled).hasValue(burst);
  }

  @Test
  @DisplayName("after the shard stopped, results are dropped")
  void closedInboxDropsResults(Vertx vertx) {
    Context context = vertx.getOrCreateContext();
    AtomicInteger handled = new AtomicInteger();
    ResultInbox inbox = new ResultInbox(context, result -> handled.incrementAndGet());
    Promise<Integer> handledAfterwards = Promise.promise();
    context.runOnContext(v -> {
      inbox.close();
      inbox.deliver(result("late")); // a drain, if one were scheduled, would run before the next task
      context.runOnContext(check -> handledAfterwards.complete(handled.get()));
    });
    assertThat(Await.result(handledAfterwards.future())).isZero();
  }

  private static AgentResult result(String processId) {
    return new AgentResult("default", "c", processId, 1, 0, AgentOutcome.reply("ok", null));
  }
}
