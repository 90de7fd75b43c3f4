package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Whether every shard's event loop still answers, for readiness: every {@code interval} each shard gets a ping
 * ({@code orchestrator.shard.<i>.ping}) with a {@code timeout}; a shard is <b>unresponsive</b> after
 * {@value #MISSES_TO_FAIL} missed pings in a row (a GC pause of a second or two does not flap readiness), and
 * responsive again at its next answer. Transitions publish {@code shardUnresponsive} / {@code shardResponsive} and
 * are logged.
 *
 * <p>{@link #unresponsiveShards()} is safe from any thread and cheap (no message). It also counts a shard as
 * unresponsive when its last answer is older than two misses can take (two intervals and two timeouts, plus an
 * interval), so a stuck event loop that happens to be this verticle's own (it shares the loops with the shards)
 * cannot hide behind a stale "healthy".
 */
public final class ShardHealth extends VerticleBase {
  static final long DEFAULT_INTERVAL_MS = 1_000;
  static final long DEFAULT_TIMEOUT_MS = 2_000;
  static final int MISSES_TO_FAIL = 2;
  private static final Logger LOG = LoggerFactory.getLogger(ShardHealth.class);

  private final int shardCount;
  private final long intervalMs;
  private final long timeoutMs;
  private final long staleAfterNanos;
  private final LongSupplier nanoClock;
  private final AtomicIntegerArray missesInARow;
  private final AtomicLongArray lastAnswerAt;
  /** This context only: a ping is in flight (no second one is sent before it is answered or timed out). */
  private final boolean[] pinging;
  /** This context only: what the last transition event said. */
  private final boolean[] reportedDown;
  private DeliveryOptions pingOptions;

  public ShardHealth(int shardCount) {
    this(shardCount, DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, System::nanoTime);
  }

  ShardHealth(int shardCount, long intervalMs, long timeoutMs, LongSupplier nanoClock) {
    this.shardCount = shardCount;
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    // The slowest way to two misses: a ping sent up to an interval after the last answer times out, the next one
    // goes at the following tick and times out too; one interval more of margin.
    this.staleAfterNanos = TimeUnit.MILLISECONDS.toNanos(MISSES_TO_FAIL * (intervalMs + timeoutMs) + intervalMs);
    this.nanoClock = nanoClock;
    this.missesInARow = new AtomicIntegerArray(shardCount);
    this.lastAnswerAt = new AtomicLongArray(shardCount);
    this.pinging = new boolean[shardCount];
    this.reportedDown = new boolean[shardCount];
    long now = nanoClock.getAsLong();
    for (int shard = 0; shard < shardCount; shard++) {
      lastAnswerAt.set(shard, now);
    }
  }

  @Override
  public Future<?> start() {
    pingOptions = new DeliveryOptions().setSendTimeout(timeoutMs).setLocalOnly(true);
    vertx.setPeriodic(intervalMs, id -> pingAll());
    pingAll();
    return Future.succeededFuture();
  }

  /** Indexes of the shards that missed {@value #MISSES_TO_FAIL} pings in a row (or stopped answering at all). */
  public List<Integer> unresponsiveShards() {
    long now = nanoClock.getAsLong();
    List<Integer> down = new ArrayList<>(0);
    for (int shard = 0; shard < shardCount; shard++) {
      if (isDown(shard, now)) {
        down.add(shard);
      }
    }
    return down;
  }

  private boolean isDown(int shard, long now) {
    return missesInARow.get(shard) >= MISSES_TO_FAIL || now - lastAnswerAt.get(shard) > staleAfterNanos;
  }

  private void pingAll() {
    for (int shard = 0; shard < shardCount; shard++) {
      if (!pinging[shard]) {
        pinging[shard] = true;
        int index = shard;
        vertx.eventBus().request(Addresses.shard(shard, "ping"), null, pingOptions)
          .onComplete(answer -> onAnswer(index, answer.succeeded()));
      }
      report(shard);
    }
  }

  private void onAnswer(int shard, boolean answered) {
    pinging[shard] = false;
    if (answered) {
      lastAnswerAt.set(shard, nanoClock.getAsLong());
      missesInARow.set(shard, 0);
    } else {
      missesInARow.incrementAndGet(shard);
    }
    report(shard);
  }

  /** Publishes and logs a change of the shard's state. */
  private void report(int shard) {
    boolean down = isDown(shard, nanoClock.getAsLong());
    if (down == reportedDown[shard]) {
      return;
    }
    reportedDown[shard] = down;
    JsonObject event = new JsonObject().put("shard", shard).put("missedPings", missesInARow.get(shard))
      .put("timestamp", System.currentTimeMillis());
    if (down) {
      LOG.warn("Shard {} is unresponsive: {} pings in a row unanswered within {} ms, last answer {} ms ago; "
        + "readiness is down", shard, missesInARow.get(shard), timeoutMs,
        TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - lastAnswerAt.get(shard)));
      vertx.eventBus().publish(Addresses.event(Events.SHARD_UNRESPONSIVE), event, EventJsonCodec.DELIVERY);
    } else {
      LOG.info("Shard {} answers again", shard);
      vertx.eventBus().publish(Addresses.event(Events.SHARD_RESPONSIVE), event, EventJsonCodec.DELIVERY);
    }
  }
}
