package io.messageorchestrator.agent;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** H11: an agent's time budget is measured on the monotonic clock. */
class ProcessingContextTest {

  @Test
  @DisplayName("remaining() ignores a wall-clock jump and counts down on the monotonic clock")
  void remainingIgnoresWallClockJumps() {
    AtomicLong nanos = new AtomicLong(5_000_000_000L);
    AtomicReference<Instant> wall = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    ProcessingContext context = new ProcessingContext("c", "p", 1, nanos.get() + Duration.ofSeconds(10).toNanos(),
      nanos::get, wall::get);
    assertThat(context.deadline()).isEqualTo(Instant.parse("2026-01-01T00:00:10Z"));

    wall.set(wall.get().plus(Duration.ofHours(3))); // NTP step or VM resume
    assertThat(context.remaining()).isEqualTo(Duration.ofSeconds(10));
    assertThat(context.deadline()).isEqualTo(Instant.parse("2026-01-01T03:00:10Z")); // the same moment, as wall time

    nanos.addAndGet(Duration.ofSeconds(4).toNanos());
    assertThat(context.remaining()).isEqualTo(Duration.ofSeconds(6));
    nanos.addAndGet(Duration.ofSeconds(7).toNanos());
    assertThat(context.remaining()).isEqualTo(Duration.ZERO);
  }

  @Test
  @DisplayName("the worker hands the agent the task's monotonic deadline")
  void withTimeout() {
    ProcessingContext context = ProcessingContext.withTimeout("c", "p", Duration.ofSeconds(30));
    assertThat(context.remaining()).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(30));
    assertThat(context.attempt()).isEqualTo(1);
  }
}
