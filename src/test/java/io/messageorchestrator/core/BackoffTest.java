package io.messageorchestrator.core;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTest {

  @Test
  @DisplayName("the ceiling doubles from initialBackoff per failed attempt and stops at maxBackoff")
  void ceilingDoublesUpToTheCap() {
    Backoff backoff = new Backoff(500, 30_000, bound -> 0);
    assertThat(backoff.ceiling(1)).isEqualTo(500);
    assertThat(backoff.ceiling(2)).isEqualTo(1_000);
    assertThat(backoff.ceiling(3)).isEqualTo(2_000);
    assertThat(backoff.ceiling(7)).isEqualTo(30_000);
    assertThat(backoff.ceiling(1_000)).isEqualTo(30_000);
  }

  @Test
  @DisplayName("full jitter: the wait is anywhere from 1 ms to the ceiling")
  void fullJitter() {
    assertThat(new Backoff(500, 30_000, bound -> 0).delay(3, -1)).isEqualTo(1);
    assertThat(new Backoff(500, 30_000, bound -> bound - 1).delay(3, -1)).isEqualTo(2_000);
    Backoff random = new Backoff(100, 1_000, bound -> ThreadLocalRandom.current().nextLong(bound));
    for (int attempt = 1; attempt < 20; attempt++) {
      assertThat(random.delay(attempt, -1)).isBetween(1L, random.ceiling(attempt));
    }
  }

  @Test
  @DisplayName("a provider's Retry-After raises the wait, but never beyond maxBackoff")
  void retryAfterIsAFloorUnderTheCap() {
    Backoff backoff = new Backoff(10, 5_000, bound -> 0);
    assertThat(backoff.delay(1, 2_000)).isEqualTo(2_000);
    assertThat(backoff.delay(1, 60_000)).isEqualTo(5_000);
  }
}
