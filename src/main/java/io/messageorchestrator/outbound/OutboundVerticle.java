package io.messageorchestrator.outbound;

import io.messageorchestrator.config.OutboundSettings;
import io.messageorchestrator.eventbus.EventJsonCodec;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Backoff;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.WireFormat;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.outbound.Outbox.Delivery;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delivers every reply announced by {@code messageProcessed} to its contact through a {@link ReplySender}, and
 * ends each in exactly one {@link OutboundEvents} event:
 * <ul>
 *   <li>per conversation (account, contact), replies leave strictly in the order they arrived (replies the journal
 *   recovered at start first, then the order the shard processed them): one attempt in flight per conversation,
 *   the next reply only after the previous one was delivered or given up; conversations proceed in parallel, at
 *   most {@link HttpReplies#MAX_CONNECTIONS} attempts at once;</li>
 *   <li>retryable failures (transport errors, timeouts, 408, 429, 5xx) are retried after a capped exponential
 *   backoff with full jitter until {@code outbound.retryFor} has passed since the reply's first attempt (and, if
 *   set, at most {@code outbound.maxAttempts} attempts); other refusals fail at once ({@code replyFailed});</li>
 *   <li>with a journal, the outbox row is marked: delivered, or failed (a reply dead letter, replayable through
 *   {@link Addresses#OUTBOUND_RESEND}); a reply still waiting when the shutdown grace ends stays pending, so a
 *   durable journal delivers it at the next start;</li>
 *   <li>fallback replies are skipped, with a {@code replySkipped} event, when {@code outbound.sendFallbacks} is
 *   false;</li>
 *   <li>at most {@code outbound.maxPending} replies wait or are in flight; beyond that a reply fails at once
 *   with reason {@code overloaded}.</li>
 * </ul>
 * A shard publishes each {@code processId}'s {@code messageProcessed} exactly once, and only on its own node (the
 * consumer is local), so no repeat guard is kept: each event is one reply to send.
 * All state lives on this verticle's event-loop context, without locks. Deploy exactly <b>one</b> instance per
 * node: the event is published, so every instance would receive and send every reply (a deployment with several
 * instances fails to start). The consumer is local: in a cluster each node delivers the replies of its own shards.
 * Stop it after the shards, so their last replies are still delivered within the grace period.
 */
public final class OutboundVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(OutboundVerticle.class);

  private final OutboundSettings settings;
  /** Shards to report provider ids to (V3 echo recognition); 0: none. */
  private final int shards;
  private final long shutdownGraceMs;
  private final ReplyMetrics metrics;
  private final ReplySender injectedSender;
  private final Backoff backoff;
  private final ReplyJournal journal;
  /** Replies the journal recorded but did not see delivered: queued first, at start. */
  private final List<Recovery.PendingReply> recovered;
  private final Map<String, Outbox> outboxes = new HashMap<>();
  /** Contacts whose next attempt may start, waiting for an in-flight slot, oldest first. */
  private final ArrayDeque<Outbox> ready = new ArrayDeque<>();
  private ReplySender sender;
  private EventBus eventBus;
  private int pending;
  private int inFlight;
  /** The grace period has ended: nothing leaves any more, and late attempt results are ignored. */
  private boolean closed;
  private boolean pumping;
  private Promise<Void> drained;

  /** Sends through the sender {@code outbound.type} names; no metrics. */
  public OutboundVerticle(OutboundSettings settings, long shutdownGraceMs) {
    this(settings, shutdownGraceMs, null, null);
  }

  /** Sends through the sender {@code outbound.type} names, counting replies in {@code registry} (may be null). */
  public OutboundVerticle(OutboundSettings settings, long shutdownGraceMs, MeterRegistry registry) {
    this(settings, shutdownGraceMs, registry, null);
  }

  /**
   * @param shutdownGraceMs how long {@link #stop()} lets queued deliveries finish
   * @param registry        where the {@code orchestrator.replies} counter goes; {@code null} for none
   * @param sender          the sender to use (tests); {@code null} builds the one {@code outbound.type} names,
   *                        which this verticle then closes on stop
   */
  public OutboundVerticle(OutboundSettings settings, long shutdownGraceMs, MeterRegistry registry,
                          ReplySender sender) {
    this(settings, shutdownGraceMs, registry, sender, null, List.of());
  }

  /**
   * @param journal   where replies are marked delivered or failed; {@code null}: no marks
   * @param recovered the journal's undelivered replies (J5), delivered first, in this order
   */
  public OutboundVerticle(OutboundSettings settings, long shutdownGraceMs, MeterRegistry registry,
                          ReplySender sender, Journal journal, List<Recovery.PendingReply> recovered) {
    this(settings, shutdownGraceMs, registry, sender, journal, recovered, 0);
  }

  /**
   * @param shards with a positive count, the provider id of each delivered reply is reported to the shard of its
   *               conversation ({@code replySent}), which recognises the provider's echo of it (V3); 0: not reported
   */
  public OutboundVerticle(OutboundSettings settings, long shutdownGraceMs, MeterRegistry registry,
                          ReplySender sender, Journal journal, List<Recovery.PendingReply> recovered, int shards) {
    this.shards = shards;
    this.settings = settings;
    this.journal = new ReplyJournal(journal);
    this.recovered = List.copyOf(recovered);
    this.shutdownGraceMs = shutdownGraceMs;
    this.metrics = new ReplyMetrics(registry);
    this.injectedSender = sender;
    this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff(),
      bound -> ThreadLocalRandom.current().nextLong(bound));
  }

  @Override
  public Future<?> start() {
    if (context.getInstanceCount() > 1) {
      return Future.failedFuture(new IllegalStateException(
        "deploy exactly one OutboundVerticle: every instance would send every reply"));
    }
    EventJsonCodec.register(vertx); // its events are published like the orchestrator's (a no-op if already there)
    eventBus = vertx.eventBus();
    sender = injectedSender != null ? injectedSender : ReplySender.create(vertx, settings);
    LOG.info("Outbound delivery: {}", settings);
    for (Recovery.PendingReply pending : recovered) {
      enqueue(OutboundReply.recovered(pending, settings.type()));
    }
    return Future.all(
      eventBus.<JsonObject>localConsumer(Addresses.event(Events.MESSAGE_PROCESSED), this::onProcessed).completion(),
      eventBus.<JsonObject>localConsumer(Addresses.OUTBOUND_RESEND, this::onResend).completion());
  }

  /**
   * Cluster mode: a shard this node just took had replies recorded and not delivered (J5): they are delivered like
   * the ones recovered at start, behind what their conversations already have queued here. Any thread.
   */
  public void deliverRecovered(List<Recovery.PendingReply> replies) {
    if (!replies.isEmpty()) {
      context.runOnContext(v -> replies.forEach(pending -> enqueue(OutboundReply.recovered(pending, settings.type()))));
    }
  }

  /**
   * Lets queued and in-flight deliveries finish (new events are still taken) for up to the grace period, then
   * fails every reply still waiting with reason {@code shutting_down}. An attempt still in flight at that moment is
   * reported failed too, although the provider may yet accept it.
   */
  @Override
  public Future<?> stop() {
    drained = Promise.promise();
    completeDrainIfIdle();
    long graceTimer = vertx.setTimer(Math.max(1, shutdownGraceMs), id -> drained.tryComplete());
    return drained.future().map(v -> {
      vertx.cancelTimer(graceTimer);
      abandonAll();
      if (injectedSender == null) {
        sender.close();
      }
      return null;
    });
  }

  // ---------------------------------------------------------------- intake

  private void onProcessed(Message<JsonObject> event) {
    OutboundReply reply;
    try {
      reply = OutboundReply.fromEvent(event.body());
    } catch (IllegalArgumentException e) {
      JsonObject body = event.body() == null ? new JsonObject() : event.body();
      LOG.warn("Cannot deliver a reply of contact {} (process {}): {}",
        ContactIds.mask(String.valueOf(body.getValue("contactId"))), body.getValue("processId"), e.getMessage());
      publishFailed(body.getValue("contactId"), body.getValue("processId"), 0, OutboundEvents.REASON_INVALID,
        e.getMessage());
      if (body.getValue("processId") instanceof String processId) {
        journal.failed(processId, String.valueOf(body.getValue("contactId")));
      }
      return;
    }
    if (reply.fallback() && !settings.sendFallbacks()) {
      metrics.skipped();
      publish(OutboundEvents.REPLY_SKIPPED, new JsonObject().put("contactId", reply.contactId())
        .put("processId", reply.processId()).put("reason", OutboundEvents.REASON_FALLBACK));
      return;
    }
    if (closed) {
      fail(reply, 0, OutboundEvents.REASON_SHUTTING_DOWN, "outbound delivery has shut down");
      return;
    }
    if (pending >= settings.maxPending()) {
      giveUp(reply, 0, OutboundEvents.REASON_OVERLOADED,
        pending + " replies are already waiting for delivery (outbound.maxPending)");
      return;
    }
    enqueue(reply);
  }

  /**
   * A reply to send again (the replay of a reply dead letter): answered once it is queued behind the conversation's
   * other replies; its outcome comes as a {@code replyDelivered} / {@code replyFailed} event like any reply's.
   */
  private void onResend(Message<JsonObject> request) {
    OutboundReply reply;
    try {
      reply = OutboundReply.fromResend(request.body());
    } catch (IllegalArgumentException e) {
      request.fail(400, e.getMessage());
      return;
    }
    if (closed) {
      request.fail(503, "outbound delivery has shut down");
    } else if (pending >= settings.maxPending()) {
      request.fail(429, pending + " replies are already waiting for delivery (outbound.maxPending)");
    } else {
      enqueue(reply);
      request.reply(new JsonObject().put("queued", true).put("processId", reply.processId()));
    }
  }

  /** Puts a reply behind its conversation's others, regardless of {@code maxPending} (callers check it). */
  private void enqueue(OutboundReply reply) {
    Outbox outbox = outboxes.computeIfAbsent(reply.conversationKey(), Outbox::new);
    outbox.queue.add(new Delivery(reply, System.nanoTime()));
    pending++;
    schedule(outbox);
  }

  // ---------------------------------------------------------------- delivery

  /** Puts an idle contact with work in line for an in-flight slot. */
  private void schedule(Outbox outbox) {
    if (!outbox.scheduled && !outbox.queue.isEmpty()) {
      outbox.scheduled = true;
      ready.add(outbox);
      pump();
    }
  }

  /** Starts attempts while slots are free. Not re-entrant: a sender that completes at once must not recurse. */
  private void pump() {
    if (pumping) {
      return;
    }
    pumping = true;
    try {
      while (!closed && inFlight < HttpReplies.MAX_CONNECTIONS && !ready.isEmpty()) {
        attempt(ready.poll());
      }
    } finally {
      pumping = false;
    }
  }

  private void attempt(Outbox outbox) {
    Delivery delivery = outbox.queue.peek();
    if (delivery.attempts++ == 0) {
      delivery.firstAttemptNanos = System.nanoTime();
    }
    inFlight++;
    Future<String> sent;
    try {
      sent = sender.send(delivery.reply);
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    sent.onComplete(result -> onContext(() -> onAttempt(outbox, delivery, result)));
  }

  private void onAttempt(Outbox outbox, Delivery delivery, AsyncResult<String> result) {
    inFlight--;
    if (closed || outbox.queue.peek() != delivery) {
      return; // abandoned at the end of the shutdown grace period
    }
    OutboundReply reply = delivery.reply;
    if (result.succeeded()) {
      long latencyMs = (System.nanoTime() - delivery.acceptedAtNanos) / 1_000_000;
      metrics.delivered();
      LOG.debug("Delivered the reply of process {} to contact {} ({} attempts, {} ms)", reply.processId(),
        ContactIds.mask(reply.contactId()), delivery.attempts, latencyMs);
      String providerId = result.result();
      JsonObject delivered = new JsonObject().put("contactId", reply.contactId())
        .put("processId", reply.processId()).put("attempts", delivery.attempts).put("latencyMs", latencyMs);
      if (providerId != null) {
        delivered.put("providerMessageId", providerId);
        if (shards > 0 && reply.processId() != null) {
          // The conversation's shard remembers it: the provider's fromMe echo of this reply must not pause anything.
          eventBus.send(Addresses.shard(ContactIds.shardOf(reply.conversationKey(), shards), "replySent"),
            WireFormat.stamp(new JsonObject().put("account", reply.account()).put("contactId", reply.contactId())
              .put("processId", reply.processId()).put("providerMessageId", providerId)));
        }
      }
      publish(OutboundEvents.REPLY_DELIVERED, delivered);
      journal.delivered(reply);
      finishHead(outbox);
    } else {
      Throwable cause = result.cause();
      DeliveryException refusal = cause instanceof DeliveryException e ? e : null;
      boolean retryable = refusal == null || refusal.retryable();
      long retryLeftMs = settings.retryFor() - (System.nanoTime() - delivery.firstAttemptNanos) / 1_000_000;
      boolean capped = settings.maxAttempts() > 0 && delivery.attempts >= settings.maxAttempts();
      if (retryable && retryLeftMs > 0 && !capped) {
        // The last attempt is made no later than retryFor after the first.
        long delay = Math.min(retryLeftMs,
          backoff.delay(delivery.attempts, refusal == null ? -1 : refusal.retryAfterMs()));
        LOG.debug("Attempt {} of process {} for contact {} failed ({}); retrying in {} ms", delivery.attempts,
          reply.processId(), ContactIds.mask(reply.contactId()), describe(cause), delay);
        outbox.retryTimer = vertx.setTimer(delay, id -> {
          outbox.retryTimer = -1;
          ready.add(outbox);
          pump();
        });
      } else {
        giveUp(reply, delivery.attempts, retryable ? OutboundEvents.REASON_EXHAUSTED
          : OutboundEvents.REASON_REJECTED, describe(cause));
        finishHead(outbox);
      }
    }
    pump();
  }

  /** The contact's head reply is done: its next reply gets in line, or the contact is forgotten. */
  private void finishHead(Outbox outbox) {
    outbox.queue.poll();
    pending--;
    outbox.scheduled = false;
    if (outbox.queue.isEmpty()) {
      outboxes.remove(outbox.key);
    } else {
      schedule(outbox);
    }
    completeDrainIfIdle();
  }

  // ---------------------------------------------------------------- shutdown

  private void completeDrainIfIdle() {
    if (drained != null && pending == 0) {
      drained.tryComplete();
    }
  }

  private void abandonAll() {
    closed = true;
    ready.clear();
    for (Outbox outbox : outboxes.values()) {
      if (outbox.retryTimer >= 0) {
        vertx.cancelTimer(outbox.retryTimer);
      }
      for (Delivery delivery : outbox.queue) {
        fail(delivery.reply, delivery.attempts, OutboundEvents.REASON_SHUTTING_DOWN,
          "the shutdown grace period ended before the reply was delivered");
      }
    }
    if (pending > 0) {
      LOG.warn("Outbound delivery stopped with {} replies undelivered", pending);
    }
    outboxes.clear();
    pending = 0;
  }

  // ---------------------------------------------------------------- events

  /** The reply will never be sent by this node: {@code replyFailed} and, with a journal, a reply dead letter. */
  private void giveUp(OutboundReply reply, int attempts, String reason, String error) {
    fail(reply, attempts, reason, error);
    journal.failed(reply.processId(), reply.contactId());
  }

  /** {@code replyFailed} without a journal mark: a reply left at shutdown stays pending in the journal. */
  private void fail(OutboundReply reply, int attempts, String reason, String error) {
    LOG.warn("Giving up the reply of process {} to contact {} after {} attempts ({}): {}", reply.processId(),
      ContactIds.mask(reply.contactId()), attempts, reason, error);
    publishFailed(reply.contactId(), reply.processId(), attempts, reason, error);
  }

  private void publishFailed(Object contactId, Object processId, int attempts, String reason, String error) {
    metrics.failed();
    publish(OutboundEvents.REPLY_FAILED, new JsonObject().put("contactId", contactId).put("processId", processId)
      .put("attempts", attempts).put("reason", reason).put("error", error));
  }

  private void publish(String event, JsonObject payload) {
    eventBus.publish(Addresses.event(event), payload, EventJsonCodec.DELIVERY);
  }

  /** Sender futures may complete elsewhere (a custom sender); state is only touched on this context. */
  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }
}
