package io.messageorchestrator.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import io.messageorchestrator.journal.PostgresJournal;
import io.messageorchestrator.journal.ShardFencedException;
import io.messageorchestrator.journal.ShardLease;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Which shards this node runs, in cluster mode (one instance per node, deployed on the node's clustered Vert.x).
 *
 * <p><b>Protocol.</b> The oldest member (first in Hazelcast's member list, the same on every member) is the
 * coordinator: on every change of membership, or of the set of leaving members, it computes the next
 * {@link ShardPlan} with {@link ShardAssignment} from the live, non-leaving members and the current plan, and
 * publishes it by compare-and-set. Every node follows the published plan — never its own computation, so nodes that
 * briefly see different memberships still agree. For each shard the plan gives it, a node takes, in order: the
 * shard's cluster claim (a Hazelcast lock, see {@link ShardMaps}), polled without waiting; the shard's next
 * PostgreSQL epoch ({@link PostgresJournal#acquireShard}); then {@link ShardHost#start}, and records itself in the
 * directory ({@link #ownerOf}). For each shard it runs that the plan gives away, it calls {@link ShardHost#handOff},
 * releases the epoch ({@link PostgresJournal#releaseShard}), clears its directory entry and releases the claim — in
 * that order, so the next owner's claim succeeds only after the hand-off: one shard never runs on two live nodes
 * that follow the protocol, and epochs only grow.
 *
 * <p><b>Failures.</b> A member that dies loses its claims when Hazelcast removes it (its lock service releases a
 * removed member's locks); the coordinator publishes a plan without it and the survivors' claims succeed. A process
 * that died (SIGKILL: its sockets close) is removed within about a second; a frozen one only after
 * {@code hazelcast.max.no.heartbeat.seconds} (5 s, {@link ClusterConfigs}) — and when it wakes up it may still
 * believe it owns its shards: the PostgreSQL epoch fences it (its writes fail with {@link ShardFencedException}, its
 * host reports it with {@link #reportFenced}, and the shard is dropped and not taken again until the plan gives it
 * back). When this node's Hazelcast member shuts down or merges after a split, the node drops every shard; so it
 * does when it notices that its own process was frozen long enough to have been evicted (before it acts on its stale
 * view of the cluster, which may show the others gone), and stays out for a while.
 *
 * <p><b>Leaving.</b> Undeploying (or closing the Vert.x) marks the node as leaving, so the coordinator moves its
 * shards elsewhere, and hands every shard off before {@link #stop} completes.
 *
 * <p>All state lives on this verticle's context; Hazelcast and PostgreSQL answers come back to it.
 */
public final class ShardOwnership extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ShardOwnership.class);

  /**
   * @param shards           the cluster's shard count ({@code cluster.shards}, the same on every node)
   * @param claimPollMs      how often a wanted claim held by another node (still handing off) is tried again
   * @param checkIntervalMs  how often the node re-reads the plan and retries what failed (events do it at once)
   * @param handOffTimeoutMs how long a {@link ShardHost#handOff} may take before the shard is released regardless
   *                         (its late writes are then refused by the epoch)
   * @param pauseSuspectMs   a gap this long in the node's own 250 ms tick means the process was frozen (SIGSTOP, a
   *                         long GC pause) and may have been evicted meanwhile: it drops every shard at once, before
   *                         acting on anything its stale view says. Below Hazelcast's eviction delay (5 s)
   * @param quarantineMs     how long it then stays out (claims nothing, publishes nothing) while Hazelcast removes
   *                         it or merges it back; after that it follows the plan again
   */
  public record Options(int shards, long claimPollMs, long checkIntervalMs, long handOffTimeoutMs,
                        long pauseSuspectMs, long quarantineMs) {
    public static Options defaults(int shards) {
      return new Options(shards, 100, 1_000, 35_000, 4_000, 8_000);
    }
  }

  private static final long TICK_MS = 250;

  private enum State { CLAIMING, CLAIMED, STARTING, OWNED, RELEASING }

  /** One shard this node wants, runs or is giving up. */
  private static final class Slot {
    State state = State.CLAIMING;
    ShardLease lease;
    long retryAfterNanos;
  }

  private final ClusterNode node;
  private final PostgresJournal journal;
  private final ShardHost host;
  private final Options options;
  private final String nodeId;
  /** Set once at start; {@link #ownerOf} reads it from any thread. */
  private volatile ShardMaps maps;

  // State: on this verticle's context only.
  private final Map<Integer, Slot> slots = new HashMap<>();
  private final Set<Integer> fencedOut = new TreeSet<>();
  private List<String> members = List.of();
  private ShardPlan plan;
  private boolean leaving;
  private boolean detached;
  private boolean shutDown;
  private boolean pollInFlight;
  private long pollTimer = -1;
  private long lastPollNanos;
  private boolean readingPlan;
  private boolean reasserting;
  private boolean readPlanAgain;
  private boolean coordinating;
  private boolean coordinateAgain;
  private boolean shardCountMismatchLogged;
  private long checkTimer = -1;
  private long tickTimer = -1;
  private long lastTickNanos;
  private long suspendedUntilNanos;
  private boolean suspended;
  /** Whether the last {@link #seesMajority} answered no (logged once per change). */
  private boolean minorityLogged;
  private long checks;
  private Promise<Void> drained;
  private UUID membershipListener;
  private UUID lifecycleListener;

  public ShardOwnership(ClusterNode node, PostgresJournal journal, ShardHost host, Options options) {
    if (options.shards() < 1) {
      throw new IllegalArgumentException("shards must be at least 1");
    }
    this.node = node;
    this.journal = journal;
    this.host = host;
    this.options = options;
    this.nodeId = node.nodeId();
  }

  @Override
  public Future<?> start() {
    HazelcastInstance hazelcast = node.hazelcast();
    return ShardMaps.open(vertx, hazelcast, nodeId, options.shards(), () -> context.runOnContext(v -> {
        if (maps != null) { // an event may arrive before the maps are handed over
          readPlan();
          coordinate();
        }
      }))
      .map(opened -> {
        maps = opened;
        membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent event) {
            context.runOnContext(v -> membershipChanged());
          }

          @Override
          public void memberRemoved(MembershipEvent event) {
            context.runOnContext(v -> membershipChanged());
          }
        });
        lifecycleListener = hazelcast.getLifecycleService()
          .addLifecycleListener(event -> context.runOnContext(v -> lifecycle(event.getState())));
        checkTimer = vertx.setPeriodic(options.checkIntervalMs(), id -> check());
        lastTickNanos = System.nanoTime();
        tickTimer = vertx.setPeriodic(TICK_MS, id -> tick());
        members = liveNodes();
        coordinate();
        readPlan();
        return null;
      });
  }

  /**
   * Hands every shard off (the coordinator is told this node is leaving, so the others take them), then stops
   * listening. Completes when no shard is left here. Undeploy it before closing the journal and the Vert.x: closing
   * the Vert.x closes the journal's pool while it undeploys, and the hand-off needs the journal to release epochs.
   */
  @Override
  public Future<?> stop() {
    leaving = true;
    drained = Promise.promise();
    Future<Void> announced = maps.markLeaving(nodeId).recover(failure -> {
      LOG.warn("Node {} could not announce that it is leaving ({}); handing its shards off anyway", nodeId,
        failure.toString());
      return Future.succeededFuture();
    });
    reconcile();
    return announced.compose(v -> drained.future()).eventually(() -> {
      vertx.cancelTimer(checkTimer);
      vertx.cancelTimer(tickTimer);
      vertx.cancelTimer(pollTimer);
      removeHazelcastListeners();
      return maps.close().recover(ignored -> Future.succeededFuture());
    });
  }

  /**
   * Reports that a write of {@code shard} at {@code epoch} was refused ({@link ShardFencedException}): another node
   * took the shard. If this node still runs it at that epoch, it drops it ({@link ShardHost#handOff}, claim
   * released, the epoch left alone) and does not take it again until a later plan gives it back. Any thread.
   */
  public void reportFenced(int shard, long epoch) {
    context.runOnContext(v -> {
      Slot slot = slots.get(shard);
      if (slot != null && slot.state == State.OWNED && slot.lease.epoch() == epoch) {
        LOG.warn("Node {} lost shard {}: epoch {} was superseded in the journal (another node took it); dropping it,"
          + " not taking it again until the assignment changes", nodeId, shard, epoch);
        fencedOut.add(shard);
        release(shard, slot, false, "fenced");
      }
    });
  }

  /**
   * The owner of {@code shard} in the cluster's directory: the node that runs it and its epoch, or {@code null} when
   * no live member runs it right now (moving, or its owner died). Any thread; one read of a Hazelcast map.
   */
  public Future<ShardOwner> ownerOf(int shard) {
    ShardMaps opened = maps;
    if (opened == null) {
      return Future.failedFuture(new IllegalStateException("shard ownership is not started"));
    }
    return opened.owner(shard).map(owner -> owner != null && liveNodes().contains(owner.nodeId()) ? owner : null);
  }

  /**
   * What readiness shows: this node's id, the members it sees, whether it coordinates, the plan's version and
   * members, the shards the plan gives it, those it runs ({@code owned}: shard and epoch), those it is taking or
   * giving up ({@code moving}), those lost to fencing, and whether it is leaving or has lost the cluster.
   */
  public Future<JsonObject> status() {
    Promise<JsonObject> promise = Promise.promise();
    context.runOnContext(v -> promise.complete(snapshot()));
    return promise.future();
  }

  private JsonObject snapshot() {
    JsonArray owned = new JsonArray();
    int moving = 0;
    for (int shard : new TreeSet<>(slots.keySet())) {
      Slot slot = slots.get(shard);
      if (slot.state == State.OWNED) {
        owned.add(new JsonObject().put("shard", shard).put("epoch", slot.lease.epoch()));
      } else {
        moving++;
      }
    }
    int assigned = 0;
    if (plan != null && plan.shards() == options.shards()) {
      for (int shard = 0; shard < plan.shards(); shard++) {
        assigned += nodeId.equals(plan.owner(shard)) ? 1 : 0;
      }
    }
    return new JsonObject()
      .put("nodeId", nodeId)
      .put("members", new JsonArray(List.copyOf(members)))
      .put("coordinator", !members.isEmpty() && members.get(0).equals(nodeId))
      .put("planVersion", plan == null ? null : plan.version())
      .put("planMembers", plan == null ? null : new JsonArray(List.copyOf(plan.members())))
      .put("shards", options.shards())
      .put("assigned", assigned)
      .put("owned", owned)
      .put("moving", moving)
      .put("fenced", new JsonArray(List.copyOf(fencedOut)))
      .put("leaving", leaving)
      .put("detached", detached)
      .put("suspended", suspended)
      .put("majority", seesMajority(plan))
      .put("problem", problem())
      .put("checks", checks);
  }

  /** Why this node runs no shard although it is in the cluster, for readiness; {@code null} when it may run some. */
  private String problem() {
    if (suspended) {
      return "this node was frozen (it may have been evicted meanwhile): it runs no shard for "
        + options.quarantineMs() + " ms, then follows the shard plan again";
    }
    if (!seesMajority(plan)) {
      return "this node sees " + members.size() + " live members, not a majority of the " + plan.members().size()
        + " of the shard plan (a partition, or it was evicted): it runs no shard until the cluster heals";
    }
    return null;
  }

  // ---- events

  private void membershipChanged() {
    if (wasFrozen()) {
      return;
    }
    List<String> now = liveNodes();
    if (!now.equals(members)) {
      LOG.info("Node {} sees {} members: {}", nodeId, now.size(), now);
    }
    members = now;
    coordinate();
    reconcile(); // a node that no longer sees a majority drops its shards at once
  }

  private void lifecycle(LifecycleState state) {
    switch (state) {
      case SHUTTING_DOWN, SHUTDOWN -> {
        shutDown = true;
        detach(state);
      }
      // After a split, the smaller side merges into the larger one and loses its data, claims included.
      case MERGING -> detach(state);
      case MERGED -> {
        if (detached && !shutDown) {
          LOG.warn("Node {} merged back into the cluster: taking shards again as the plan says", nodeId);
          detached = false;
          check();
        }
      }
      default -> {
      }
    }
  }

  private void detach(LifecycleState state) {
    if (!detached) {
      LOG.warn("Node {} is no longer in the cluster (Hazelcast {}): dropping its {} shards", nodeId, state,
        slots.size());
      detached = true;
    }
    reconcile();
  }

  /** Periodic: catches up with anything an event did not bring (a lost event, a failed step to retry). */
  private void check() {
    checks++;
    if (shutDown || wasFrozen()) {
      reconcile();
      return;
    }
    members = liveNodes();
    readPlan();
    coordinate();
    reconcile();
    reassert();
  }

  /**
   * Puts back the claims and directory entries of the shards this node runs if Hazelcast lost them (a member that
   * dies while partitions migrate can take a partition's owner and backup with it). A claim re-taken or an entry
   * re-recorded for a shard given up meanwhile is undone at once.
   */
  private void reassert() {
    if (reasserting || detached || suspended || leaving) {
      return;
    }
    Map<Integer, ShardOwner> running = new HashMap<>();
    slots.forEach((shard, slot) -> {
      if (slot.state == State.OWNED) {
        running.put(shard, new ShardOwner(nodeId, slot.lease.epoch()));
      }
    });
    if (running.isEmpty()) {
      return;
    }
    reasserting = true;
    maps.reassert(running).onComplete(done -> {
      reasserting = false;
      if (done.failed()) {
        LOG.debug("Node {} could not check its claims: {}", nodeId, done.cause().toString());
        return;
      }
      for (int shard : done.result()) {
        Slot slot = slots.get(shard);
        ShardOwner owner = running.get(shard);
        if (slot != null && slot.state == State.OWNED && slot.lease.epoch() == owner.epoch()) {
          LOG.warn("Node {} put back its claim or directory entry of shard {} (epoch {}): Hazelcast had lost it",
            nodeId, shard, owner.epoch());
        } else if (slot == null || slot.state != State.RELEASING) {
          // Given up since: undo, after the release (same thread, in order). A slot still releasing will release
          // the claim itself, after this.
          maps.clearOwner(shard, owner);
          maps.releaseClaim(shard);
        }
      }
    });
  }

  /** Every 250 ms: notices a freeze of this process, and ends the quarantine that follows one. */
  private void tick() {
    if (wasFrozen()) {
      return;
    }
    if (suspended && System.nanoTime() - suspendedUntilNanos >= 0) {
      suspended = false;
      LOG.warn("Node {} ends its quarantine: following the shard plan again", nodeId);
      check();
    }
  }

  /**
   * Whether this process was just frozen for {@code pauseSuspectMs} or more (the tick did not run): then the
   * cluster may have evicted it and given its shards to others, while its own Hazelcast view is stale (it may even
   * see the others as gone and believe it should own everything). It drops every shard now and stays out for
   * {@code quarantineMs}; the epoch already fences whatever it was doing.
   */
  private boolean wasFrozen() {
    long now = System.nanoTime();
    long gapMs = TimeUnit.NANOSECONDS.toMillis(now - lastTickNanos);
    lastTickNanos = now;
    if (gapMs < options.pauseSuspectMs()) {
      return false;
    }
    LOG.warn("Node {} was frozen for {} ms (more than {} ms): it may have been evicted; dropping its {} shards and"
      + " staying out for {} ms", nodeId, gapMs, options.pauseSuspectMs(), slots.size(), options.quarantineMs());
    suspended = true;
    suspendedUntilNanos = now + TimeUnit.MILLISECONDS.toNanos(options.quarantineMs());
    reconcile();
    return true;
  }

  private List<String> liveNodes() {
    try {
      return List.copyOf(node.nodes());
    } catch (RuntimeException notRunning) { // Hazelcast stopped on this node
      return List.of();
    }
  }

  // ---- the plan

  /** Reads the published plan; one read at a time, so an older answer never replaces a newer one. */
  private void readPlan() {
    if (readingPlan) {
      readPlanAgain = true;
      return;
    }
    readingPlan = true;
    maps.plan().onComplete(read -> {
      readingPlan = false;
      if (read.succeeded() && read.result() != null && !read.result().equals(plan)) {
        followPlan(read.result());
      } else if (read.failed() && !detached) {
        LOG.debug("Node {} could not read the shard plan: {}", nodeId, read.cause().toString());
      }
      if (readPlanAgain) {
        readPlanAgain = false;
        readPlan();
      }
    });
  }

  private void followPlan(ShardPlan next) {
    plan = next;
    if (next.shards() != options.shards()) {
      if (!shardCountMismatchLogged) {
        LOG.error("Node {} has cluster.shards {} but the cluster's plan has {}: it takes no shard until they agree",
          nodeId, options.shards(), next.shards());
        shardCountMismatchLogged = true;
      }
    } else {
      shardCountMismatchLogged = false;
    }
    // A new plan is a new decision: a shard lost to fencing may be taken again if it still says so.
    fencedOut.clear();
    LOG.info("Node {} follows shard plan {} for {} members", nodeId, next.version(), next.members().size());
    reconcile();
  }

  /**
   * The coordinator's job: publish a plan for the live members that are not leaving, unless the current plan is for
   * exactly those. Compare-and-set: if another node published meanwhile (a coordinator change), try again.
   */
  private void coordinate() {
    if (detached || suspended || members.isEmpty() || !members.get(0).equals(nodeId) || !seesMajority(plan)) {
      return;
    }
    if (coordinating) {
      coordinateAgain = true;
      return;
    }
    coordinating = true;
    List<String> live = members;
    maps.leaving(live).compose(gone -> maps.plan().compose(current -> {
        List<String> target = live.stream().filter(member -> !gone.contains(member)).sorted().toList();
        if (current != null && current.members().equals(target) && current.shards() == options.shards()) {
          return Future.succeededFuture();
        }
        if (!seesMajority(current)) { // the published plan is newer than the one followed, and this side is smaller
          return Future.succeededFuture();
        }
        // No plan in the map although this node followed one: Hazelcast lost it (see reassert); start from the last
        // one followed, so that shards stay where they are.
        ShardPlan base = current != null ? current : plan;
        long version = Math.max(current == null ? 0 : current.version(), plan == null ? 0 : plan.version()) + 1;
        ShardPlan next = new ShardPlan(version, target,
          ShardAssignment.assign(target, options.shards(), base == null ? null : base.owners()));
        return maps.publish(current, next).map(published -> {
          if (published) {
            LOG.info("Node {} (coordinator) published shard plan {} for members {}", nodeId, version, target);
          } else {
            coordinateAgain = true;
          }
          return null;
        });
      }))
      .onComplete(done -> {
        coordinating = false;
        if (done.failed() && !detached) {
          LOG.warn("Node {} could not publish the shard plan: {}", nodeId, done.cause().toString());
        }
        if (coordinateAgain) {
          coordinateAgain = false;
          coordinate();
        }
      });
  }

  // ---- shards

  private boolean mine(int shard) {
    return plan != null && plan.shards() == options.shards() && shard < plan.shards()
      && nodeId.equals(plan.owner(shard));
  }

  private boolean wanted(int shard) {
    return !leaving && !detached && !suspended && mine(shard) && !fencedOut.contains(shard) && seesMajority(plan);
  }

  /**
   * Split-brain rule: this node acts on {@code basis} (publishes a plan, takes or keeps shards) only while it sees
   * more than half as many live members as that plan was made for — or exactly half including the plan's first
   * member, so that of two even halves exactly one goes on. A node cut off from the others (a network partition, or a
   * freeze long enough for Hazelcast to evict it, after which it runs on as a cluster of one until Hazelcast merges
   * it back) therefore stops: without the rule it would give itself every shard and fence the real owners. Every
   * live member counts, not only the plan's: nodes restarted after a majority was lost (new node ids) bring it back.
   * The price: a cluster runs only while it has a majority of its last plan's size — three nodes survive one crash,
   * five survive two; a node leaving gracefully is first taken out of the plan, so shrinking a cluster one node at a
   * time never loses the majority. No plan yet: nothing to split from.
   */
  private boolean seesMajority(ShardPlan basis) {
    if (basis == null || basis.members().isEmpty()) {
      return true;
    }
    int seen = members.size();
    int size = basis.members().size();
    boolean majority = 2 * seen > size || (2 * seen == size && members.contains(basis.members().get(0)));
    if (majority == minorityLogged) {
      minorityLogged = !majority;
      if (majority) {
        LOG.warn("Node {} sees a majority again ({} live members for a shard plan of {})", nodeId, seen, size);
      } else {
        LOG.warn("Node {} sees {} live members, not a majority of the {} of shard plan {}: it runs no shard until the"
          + " cluster heals (split-brain rule)", nodeId, seen, size, basis.version());
      }
    }
    return majority;
  }

  /** Moves every shard one step towards the plan; called again whenever a step ends. */
  private void reconcile() {
    Set<Integer> shards = new TreeSet<>(slots.keySet());
    for (int shard = 0; shard < options.shards(); shard++) {
      if (wanted(shard)) {
        shards.add(shard);
      }
    }
    boolean claiming = false;
    for (int shard : shards) {
      boolean wanted = wanted(shard);
      Slot slot = slots.get(shard);
      if (slot == null) {
        slots.put(shard, new Slot());
        claiming = true;
        continue;
      }
      switch (slot.state) {
        case CLAIMING -> {
          if (wanted) {
            claiming = true;
          } else {
            slots.remove(shard);
          }
        }
        case CLAIMED -> {
          if (!wanted) {
            unclaim(shard, slot);
          } else if (System.nanoTime() - slot.retryAfterNanos >= 0) {
            take(shard, slot);
          }
        }
        case OWNED -> {
          if (!wanted) {
            release(shard, slot, true, detached ? "lost the cluster" : suspended ? "was frozen"
              : leaving ? "leaving" : !seesMajority(plan) ? "no majority" : "reassigned");
          }
        }
        case STARTING, RELEASING -> {
          // reconciled again when the step ends
        }
      }
    }
    if (claiming) {
      pollClaims();
    }
    if (drained != null && slots.isEmpty() && !pollInFlight) {
      drained.tryComplete();
    }
  }

  /** Tries the wanted claims, at most every {@code claimPollMs}: an old owner still handing off holds them. */
  private void pollClaims() {
    if (pollInFlight || pollTimer != -1) {
      return;
    }
    long waitMs = options.claimPollMs() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastPollNanos);
    if (lastPollNanos != 0 && waitMs > 0) {
      pollTimer = vertx.setTimer(waitMs, id -> {
        pollTimer = -1;
        reconcile();
      });
      return;
    }
    List<Integer> wanted = slots.entrySet().stream().filter(entry -> entry.getValue().state == State.CLAIMING)
      .map(Map.Entry::getKey).toList();
    pollInFlight = true;
    maps.tryClaims(wanted).onComplete(tried -> {
      pollInFlight = false;
      lastPollNanos = System.nanoTime();
      if (tried.succeeded()) {
        for (int shard : tried.result()) {
          Slot slot = slots.get(shard);
          if (slot != null && slot.state == State.CLAIMING) {
            slot.state = State.CLAIMED;
          } else { // no longer wanted while we asked
            maps.releaseClaim(shard);
          }
        }
      } else if (!detached) {
        LOG.warn("Node {} could not try its shard claims: {}", nodeId, tried.cause().toString());
      }
      reconcile();
    });
  }

  /** Claimed: the shard's next epoch in the journal, then the host starts it. */
  private void take(int shard, Slot slot) {
    slot.state = State.STARTING;
    journal.acquireShard(shard, nodeId).onComplete(acquired -> {
      if (acquired.failed()) {
        retryLater(shard, slot, "cannot take it in the journal: " + acquired.cause());
        return;
      }
      ShardLease lease = acquired.result();
      slot.lease = lease;
      if (!wanted(shard)) { // the plan moved it while the journal answered: give it straight back, unstarted
        slot.state = State.RELEASING;
        journal.releaseShard(shard, lease.epoch())
          .transform(released -> maps.releaseClaim(shard))
          .onComplete(done -> {
            slots.remove(shard);
            reconcile();
          });
        return;
      }
      host.start(lease).onComplete(started -> {
        if (started.succeeded()) {
          slot.state = State.OWNED;
          LOG.info("Node {} runs shard {} at epoch {}", nodeId, shard, lease.epoch());
          ShardOwner owner = new ShardOwner(nodeId, lease.epoch());
          maps.recordOwner(shard, owner).onFailure(failure -> LOG.warn("Node {} could not record itself as owner"
            + " of shard {}: {}", nodeId, shard, failure.toString()));
          reconcile();
        } else if (started.cause() instanceof ShardFencedException) {
          LOG.warn("Node {} lost shard {} while starting it: epoch {} superseded; not taking it again until the"
            + " assignment changes", nodeId, shard, lease.epoch());
          fencedOut.add(shard);
          release(shard, slot, false, "fenced");
        } else {
          LOG.warn("Node {} could not start shard {} at epoch {}: {}; trying again later", nodeId, shard,
            lease.epoch(), started.cause().toString());
          stopHost(shard)
            .transform(stopped -> journal.releaseShard(shard, lease.epoch()))
            .onComplete(released -> retryLater(shard, slot, "start failed"));
        }
      });
    });
  }

  private void retryLater(int shard, Slot slot, String why) {
    LOG.warn("Node {} will retry shard {} in {} ms: {}", nodeId, shard, options.checkIntervalMs(), why);
    slot.state = State.CLAIMED;
    slot.lease = null;
    slot.retryAfterNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.checkIntervalMs());
    reconcile();
  }

  /**
   * Gives a shard up: the host hands it off, then (unless fenced: a newer epoch exists) the epoch is released, the
   * directory entry cleared and last the claim released, which lets the next owner in. Each step runs even if the
   * one before failed: the epoch fences whatever the host still does.
   */
  private void release(int shard, Slot slot, boolean releaseEpoch, String why) {
    slot.state = State.RELEASING;
    long began = System.nanoTime();
    ShardLease lease = slot.lease;
    stopHost(shard)
      .transform(stopped -> {
        if (stopped.failed()) {
          LOG.warn("Node {}: the hand-off of shard {} failed or timed out ({}); releasing it anyway", nodeId, shard,
            stopped.cause().toString());
        }
        return releaseEpoch ? journal.releaseShard(shard, lease.epoch()) : Future.succeededFuture(false);
      })
      .transform(released -> {
        if (released.failed()) {
          LOG.warn("Node {} could not release shard {} epoch {} in the journal ({}): the next owner's epoch fences"
            + " it anyway", nodeId, shard, lease.epoch(), released.cause().toString());
        }
        return maps.clearOwner(shard, new ShardOwner(nodeId, lease.epoch()));
      })
      .transform(cleared -> maps.releaseClaim(shard))
      .onComplete(unclaimed -> {
        slots.remove(shard);
        LOG.info("Node {} gave shard {} (epoch {}) up in {} ms: {}", nodeId, shard, lease.epoch(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), why);
        reconcile();
      });
  }

  /** Claimed but not started, and no longer wanted. */
  private void unclaim(int shard, Slot slot) {
    slot.state = State.RELEASING;
    maps.releaseClaim(shard).onComplete(done -> {
      slots.remove(shard);
      reconcile();
    });
  }

  /** The host's hand-off, bounded by {@code handOffTimeoutMs}. */
  private Future<Void> stopHost(int shard) {
    Promise<Void> stopped = Promise.promise();
    long timer = vertx.setTimer(options.handOffTimeoutMs(), id -> stopped.tryFail(
      new IllegalStateException("hand-off of shard " + shard + " not done after " + options.handOffTimeoutMs()
        + " ms")));
    Future<Void> handOff;
    try {
      handOff = host.handOff(shard);
    } catch (RuntimeException e) {
      handOff = Future.failedFuture(e);
    }
    handOff.onComplete(done -> {
      vertx.cancelTimer(timer);
      if (done.succeeded()) {
        stopped.tryComplete();
      } else {
        stopped.tryFail(done.cause());
      }
    });
    return stopped.future();
  }

  private void removeHazelcastListeners() {
    try {
      HazelcastInstance hazelcast = node.hazelcast();
      hazelcast.getCluster().removeMembershipListener(membershipListener);
      hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
    } catch (RuntimeException gone) { // Hazelcast no longer running: nothing left to remove
    }
  }
}
