package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** H10: a single missed readiness ping (a GC pause) does not turn a shard unresponsive; see ReadinessTest for two. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ShardHealthTest {

  @Test
  @DisplayName("a shard that misses one ping and answers the next is never reported unresponsive")
  void oneMissIsTolerated(Vertx vertx, VertxTestContext testContext) {
    EventJsonCodec.register(vertx);
    // 1 s ping timeout: the shard counts as stale only 2.3 s after its last answer, far beyond the second ping.
    ShardHealth health = new ShardHealth(1, 100, 1_000, System::nanoTime);
    AtomicInteger pings = new AtomicInteger();
    vertx.eventBus().consumer(Addresses.event(Events.SHARD_UNRESPONSIVE),
      event -> testContext.failNow("reported unresponsive after one missed ping: " + event.body()));
    vertx.eventBus().consumer(Addresses.shard(0, "ping"), ping -> {
      int number = pings.incrementAndGet();
      if (number == 1) {
        return; // missed: it times out after 1 s
      }
      if (number == 2) {
        testContext.verify(() -> assertThat(health.unresponsiveShards()).as("after one miss").isEmpty());
      }
      ping.reply(null);
      if (number == 3) {
        testContext.verify(() -> assertThat(health.unresponsiveShards()).isEmpty());
        testContext.completeNow();
      }
    }).completion().compose(ready -> vertx.deployVerticle(health)).onFailure(testContext::failNow);
  }
}
