package io.messageorchestrator.bench;

import io.vertx.core.json.JsonObject;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/** A measure of the machine itself, recorded in every benchmark line (see {@link #measure()}). */
final class Calibration {
  private Calibration() {
  }

  /**
   * How fast this machine is right now, measured before the scenario (this VM's speed drifts by a fifth and more over
   * hours with the same code): {@code sha256Ms}, one thread hashing 32 MB; {@code sha256TwoThreadsMs}, two threads
   * doing it at once (about equal when both vCPUs are really there); {@code wakeupRoundTripMicros}, two threads
   * waking each other in turn ({@code LockSupport.unpark}/{@code park}), the cost every hand-off between threads
   * pays. Each the median of 5.
   */
  static JsonObject measure() throws Exception {
    byte[] data = new byte[32 << 20];
    new Random(42).nextBytes(data);
    Callable<Long> hash = () -> {
      long start = System.nanoTime();
      MessageDigest.getInstance("SHA-256").digest(data);
      return System.nanoTime() - start;
    };
    long[] one = new long[5];
    long[] two = new long[5];
    long[] wakeups = new long[5];
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      for (int i = 0; i < 5; i++) {
        one[i] = hash.call();
        long start = System.nanoTime();
        for (Future<Long> pass : pool.invokeAll(List.of(hash, hash))) {
          pass.get();
        }
        two[i] = System.nanoTime() - start;
        wakeups[i] = wakeupRoundTripNanos(5_000);
      }
    }
    return new JsonObject().put("sha256Ms", Math.round(median(one) / 1e5) / 10.0)
      .put("sha256TwoThreadsMs", Math.round(median(two) / 1e5) / 10.0)
      .put("wakeupRoundTripMicros", Math.round(median(wakeups) / 1e2) / 10.0);
  }

  private static long wakeupRoundTripNanos(int roundTrips) throws InterruptedException {
    AtomicInteger turn = new AtomicInteger();
    Thread main = Thread.currentThread();
    Thread echo = new Thread(() -> {
      for (int i = 0; i < roundTrips; i++) {
        while (turn.get() != 1) {
          LockSupport.park();
        }
        turn.set(0);
        LockSupport.unpark(main);
      }
    });
    echo.start();
    long start = System.nanoTime();
    for (int i = 0; i < roundTrips; i++) {
      turn.set(1);
      LockSupport.unpark(echo);
      while (turn.get() != 0) {
        LockSupport.park();
      }
    }
    long elapsed = System.nanoTime() - start;
    echo.join();
    return elapsed / roundTrips;
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
