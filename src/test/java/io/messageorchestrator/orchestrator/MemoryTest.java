package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.ManualClock;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** R12: contacts with nothing to do are forgotten after idleContactTtl; busy ones never are. */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class MemoryTest {

  @Test
  @DisplayName("idle contacts are forgotten after idleContactTtl while a busy contact is kept")
  @SuiteConfig({"idleContactTtl=1000", "maxConcurrentContacts=500"})
  void idleContactsEvicted(OrchestratorSuite suite, TestAgent agent, EventRecorder events, ManualClock clock) {
    List<Future<ProcessResult>> results = IntStream.range(0, 300)
      .mapToObj(i -> suite.client().processMessage("idle-" + i, InboundMessage.text("hi"))).toList();
    Await.result(Future.all(results));
    suite.client().processMessage("busy", InboundMessage.text("block:busy"));
    events.awaitFirst(Events.LOCK_ACQUIRED, e -> e.getString("contactId").equals("busy"));
    assertThat(Await.result(suite.client().getStats()).getLong("rememberedContacts")).isEqualTo(301);

    clock.advance(1_001);
    int evicted = events.awaitSum(Events.CONTACTS_EVICTED, "count", 300).stream()
      .mapToInt(e -> e.getInteger("count")).sum();

    assertThat(evicted).isEqualTo(300);
    JsonObject stats = Await.result(suite.client().getStats());
    assertThat(stats.getLong("rememberedContacts")).isEqualTo(1);
    assertThat(stats.getLong("contactsEvicted")).isEqualTo(300);
    assertThat(Await.result(suite.client().isContactLocked("busy"))).isTrue();
    agent.open("busy");
  }

  @Test
  @DisplayName("a forgotten contact comes back as new when it writes again")
  @SuiteConfig({"idleContactTtl=500", "shards=1"})
  void forgottenContactReturns(OrchestratorSuite suite, EventRecorder events, ManualClock clock) {
    Await.result(suite.client().processMessage("back", InboundMessage.text("one")));
    clock.advance(501);
    events.awaitAll(Events.CONTACTS_EVICTED, 1);
    assertThat(Await.result(suite.client().contactStatus("back")).getBoolean("known")).isFalse();

    assertThat(Await.result(suite.client().processMessage("back", InboundMessage.text("two"))).response())
      .isEqualTo("re:two");
  }
}
