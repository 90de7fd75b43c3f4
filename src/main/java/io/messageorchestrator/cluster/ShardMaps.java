package io.messageorchestrator.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The cluster-side state of shard ownership, in Hazelcast maps of the node's own Hazelcast member:
 * <ul>
 *   <li><b>claims</b> — one Hazelcast map lock per shard ({@code IMap.tryLock}). Why a lock and not a map entry:
 *   Hazelcast releases the locks of a member as soon as the member is removed from the cluster (its lock service is
 *   membership-aware), whereas an entry survives its writer (it lives on partition owners and their backups) and
 *   would need a TTL, which is either slow to expire or must be renewed. Not Vert.x's shared-data lock, although it
 *   is the same kind of Hazelcast lock: Vert.x waits for it on the worker pool, and its {@code release()} is a
 *   {@code forceUnlock}, which would also free a lock that another node holds by now (a node evicted and back);
 *   here {@code unlock} checks that this node still holds it.</li>
 *   <li><b>plan</b> — the published {@link ShardPlan} (one entry, JSON text).</li>
 *   <li><b>leaving</b> — node ids of members handing everything off before they leave (expire after 10 min).</li>
 *   <li><b>serving</b> — node ids of members whose shard ownership runs (put when their maps open, put back every
 *   second in case Hazelcast lost it, removed when they close). A member that has joined Hazelcast but is still
 *   starting (journal, verticles) is not in it, so the coordinator gives it no shard yet: otherwise the old owners
 *   would hand their shards off at once and the shards would wait, unserved, until the newcomer finished starting
 *   (seconds under load: measured by {@code ClusterFailoverTest}'s join).</li>
 *   <li><b>owners</b> — the directory: shard → {@link ShardOwner} (JSON text), written by owners.</li>
 * </ul>
 *
 * <p>Blocking Hazelcast calls run on one dedicated thread, never on Vert.x's worker pool or an event loop: a lock
 * attempt never waits ({@code tryLock} without timeout; the caller polls), and one thread also makes this node the
 * single Hazelcast lock owner of its claims ({@code unlock} must come from the locking thread). Its queue is bounded
 * (a few operations per shard at most are ever pending); a task never lets an exception kill the thread. Results are
 * delivered on the caller's context.
 */
final class ShardMaps {
  static final String CLAIMS = "orchestrator.shards.claims";
  static final String PLAN = "orchestrator.shards.plan";
  static final String LEAVING = "orchestrator.shards.leaving";
  static final String OWNERS = "orchestrator.shards.owners";
  static final String SERVING = "orchestrator.shards.serving";
  private static final long SERVING_REFRESH_MS = 1_000;
  private static final String PLAN_KEY = "plan";
  private static final long LEAVING_TTL_MINUTES = 10;

  private final Vertx vertx;
  private final IMap<Integer, String> claims;
  private final IMap<String, String> plans;
  private final IMap<String, String> leaving;
  private final IMap<Integer, String> owners;
  private final IMap<String, String> serving;
  /** This member's Vert.x node id (as in the plan; not its Hazelcast member UUID). */
  private final String localNode;
  private final ThreadPoolExecutor thread;
  private final List<Runnable> unlisten = new ArrayList<>();
  private long servingTimer = -1;

  private ShardMaps(Vertx vertx, HazelcastInstance hazelcast, String localNode, ThreadPoolExecutor thread) {
    this.vertx = vertx;
    this.thread = thread;
    this.claims = hazelcast.getMap(CLAIMS);
    this.plans = hazelcast.getMap(PLAN);
    this.leaving = hazelcast.getMap(LEAVING);
    this.owners = hazelcast.getMap(OWNERS);
    this.serving = hazelcast.getMap(SERVING);
    this.localNode = localNode;
  }

  /**
   * Gets the maps, registers {@code onChange} (called on a Hazelcast thread whenever the plan, the leaving set or the
   * serving set changes) and announces this member as serving, on the dedicated thread: all may wait for other
   * members.
   */
  static Future<ShardMaps> open(Vertx vertx, HazelcastInstance hazelcast, String nodeId, int shards,
                                Runnable onChange) {
    ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
      new ArrayBlockingQueue<>(4 * shards + 64), runnable -> {
        Thread t = new Thread(runnable, "mo-shard-claims");
        t.setDaemon(true);
        return t;
      });
    Context caller = vertx.getOrCreateContext();
    Promise<ShardMaps> opened = Promise.promise();
    thread.execute(() -> {
      try {
        ShardMaps maps = new ShardMaps(vertx, hazelcast, nodeId, thread);
        maps.serving.set(maps.localNode, "serving"); // before listening: no event for its own announcement
        maps.listen(onChange);
        caller.runOnContext(v -> {
          maps.servingTimer = vertx.setPeriodic(SERVING_REFRESH_MS, id -> maps.onThread(() -> {
            maps.serving.putIfAbsent(maps.localNode, "serving"); // an event for the others only if it was lost
            return null;
          }));
          opened.complete(maps);
        });
      } catch (RuntimeException e) {
        thread.shutdown();
        caller.runOnContext(v -> opened.fail(e));
      }
    });
    return opened.future();
  }

  /** Tries each shard's claim once, without waiting; answers the shards claimed now. */
  Future<Set<Integer>> tryClaims(Collection<Integer> shards) {
    List<Integer> wanted = List.copyOf(shards);
    return onThread(() -> {
      Set<Integer> taken = new HashSet<>();
      for (int shard : wanted) {
        if (claims.tryLock(shard)) {
          taken.add(shard);
        }
      }
      return taken;
    });
  }

  /**
   * Releases this node's claim on {@code shard}: true if it held it, false if it no longer did (Hazelcast released
   * it when this member was removed, and maybe another node holds it now: left alone).
   */
  Future<Boolean> releaseClaim(int shard) {
    return onThread(() -> {
      try {
        claims.unlock(shard);
        return true;
      } catch (IllegalMonitorStateException notOurs) {
        return false;
      }
    });
  }

  Future<ShardPlan> plan() {
    return fromStage(() -> plans.getAsync(PLAN_KEY)).map(ShardPlan::decode);
  }

  /** Compare-and-set of the plan: replaces {@code expected} ({@code null}: none yet) by {@code next}. */
  Future<Boolean> publish(ShardPlan expected, ShardPlan next) {
    return onThread(() -> expected == null
      ? plans.putIfAbsent(PLAN_KEY, next.encode()) == null
      : plans.replace(PLAN_KEY, expected.encode(), next.encode()));
  }

  /**
   * Which of {@code nodes} must get no shard: those that have announced that they are leaving, and those whose shard
   * ownership does not run (yet): see <b>serving</b> above.
   */
  Future<Set<String>> leaving(Collection<String> nodes) {
    Set<String> keys = Set.copyOf(nodes);
    return onThread(() -> {
      Set<String> gone = new HashSet<>(leaving.getAll(keys).keySet());
      Set<String> notServing = new HashSet<>(keys);
      notServing.removeAll(serving.getAll(keys).keySet());
      gone.addAll(notServing);
      return gone;
    });
  }

  Future<Void> markLeaving(String nodeId) {
    return onThread(() -> {
      leaving.set(nodeId, "leaving", LEAVING_TTL_MINUTES, TimeUnit.MINUTES);
      return null;
    });
  }

  /** Records {@code owner} for {@code shard} unless the directory already shows a newer (or the same) epoch. */
  Future<Void> recordOwner(int shard, ShardOwner owner) {
    return onThread(() -> {
      record(shard, owner);
      return null;
    });
  }

  private boolean record(int shard, ShardOwner owner) {
    String value = owner.encode();
    while (true) {
      String current = owners.get(shard);
      if (current == null) {
        if (owners.putIfAbsent(shard, value) == null) {
          return true;
        }
      } else if (ShardOwner.decode(current).epoch() >= owner.epoch()) {
        return false; // a late write of an older owner must not hide the newer one
      } else if (owners.replace(shard, current, value)) {
        return true;
      }
    }
  }

  /**
   * Puts back what Hazelcast lost of this node's entries (a member dying while partitions migrate can lose both a
   * partition's owner and its backup): for each shard the node runs, its claim if no one holds it any more, and its
   * directory entry if missing or older. Answers the shards whose claim or entry was put back, so that the caller
   * can undo it for a shard it gave up meanwhile (this call may run after that release).
   */
  Future<Set<Integer>> reassert(Map<Integer, ShardOwner> running) {
    Map<Integer, ShardOwner> copy = Map.copyOf(running);
    return onThread(() -> {
      Set<Integer> repaired = new HashSet<>();
      for (Map.Entry<Integer, ShardOwner> entry : copy.entrySet()) {
        int shard = entry.getKey();
        if (!claims.isLocked(shard) && claims.tryLock(shard)) {
          repaired.add(shard);
        }
        if (record(shard, entry.getValue())) {
          repaired.add(shard);
        }
      }
      return repaired;
    });
  }

  /** Removes {@code shard}'s directory entry if it is still {@code owner}'s. */
  Future<Void> clearOwner(int shard, ShardOwner owner) {
    String value = owner.encode();
    return onThread(() -> {
      owners.remove(shard, value);
      return null;
    });
  }

  Future<ShardOwner> owner(int shard) {
    return fromStage(() -> owners.getAsync(shard)).map(ShardOwner::decode);
  }

  private void listen(Runnable onChange) {
    Listener listener = event -> onChange.run();
    UUID onPlans = plans.addEntryListener(listener, false);
    UUID onLeaving = leaving.addEntryListener(listener, false);
    UUID onServing = serving.addEntryListener(listener, false);
    unlisten.add(() -> plans.removeEntryListener(onPlans));
    unlisten.add(() -> leaving.removeEntryListener(onLeaving));
    unlisten.add(() -> serving.removeEntryListener(onServing));
  }

  /**
   * Stops listening and withdraws this member from the serving set, then stops the thread (calls queued before still
   * run). Hazelcast may be gone already.
   */
  Future<Void> close() {
    vertx.cancelTimer(servingTimer);
    Future<Void> removed = onThread(() -> {
      try {
        serving.delete(localNode);
      } catch (RuntimeException gone) { // Hazelcast no longer running: its entry goes with the member's id
      }
      for (Runnable remove : unlisten) {
        try {
          remove.run();
        } catch (RuntimeException gone) { // Hazelcast no longer running: nothing to remove
        }
      }
      unlisten.clear();
      return null;
    });
    thread.shutdown();
    return removed;
  }

  /** Every map event, whatever its kind: the owner re-reads what it needs. */
  private interface Listener extends EntryAddedListener<Object, Object>, EntryUpdatedListener<Object, Object>,
    EntryRemovedListener<Object, Object>, EntryExpiredListener<Object, Object> {
    void changed(Object event);

    @Override
    default void entryAdded(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    default void entryUpdated(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    default void entryRemoved(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    default void entryExpired(EntryEvent<Object, Object> event) {
      changed(event);
    }
  }

  private <T> Future<T> onThread(Callable<T> call) {
    Context caller = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    try {
      thread.execute(() -> {
        T result;
        try {
          result = call.call();
        } catch (Throwable failure) { // e.g. HazelcastInstanceNotActiveException: reported, the thread lives on
          caller.runOnContext(v -> promise.fail(failure));
          return;
        }
        caller.runOnContext(v -> promise.complete(result));
      });
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(new IllegalStateException("shard claims are closed or too busy", e));
    }
    return promise.future();
  }

  /** A Hazelcast async call; one that throws at once (Hazelcast stopped) is a failed future. */
  private <T> Future<T> fromStage(Callable<CompletionStage<T>> call) {
    try {
      return Future.fromCompletionStage(call.call(), vertx.getOrCreateContext());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }
}
