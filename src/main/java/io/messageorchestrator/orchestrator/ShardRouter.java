package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Backoff;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.core.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends a process request to the shard of its conversation (account, contact).
 *
 * <p>On one node the request is the record itself, passed by reference (a local codec). On a clustered event bus the
 * shard's owner may be another node and ownership moves when nodes join, leave or die, so the request travels in its
 * JSON form and is sent again, with backoff, while no node serves the shard ({@code NO_HANDLERS}: a hand-off or a
 * failover under way), while the shard's answer says it is changing hands ({@code shutting_down}: its old owner
 * drains it; {@code shard_moved}: its epoch was superseded), and — for an accept-only request (a webhook's) — when its
 * owner did not answer within {@value #ACCEPT_TRY_TIMEOUT_MS} ms (it died holding it). The idempotency key the request carries from its arrival
 * makes a second delivery a duplicate, never a second message. After {@value #ROUTE_DEADLINE_MS} ms without an owner
 * the request fails with 503.
 *
 * <p>Requests and answers in JSON carry their {@link WireFormat} version: during a rolling upgrade the owner may run
 * another version than the sender.
 */
public final class ShardRouter {
  /** How long a clustered request keeps looking for its shard's owner. */
  static final long ROUTE_DEADLINE_MS = 15_000;
  /** How long one try of an accept-only request waits for the owner in a cluster (acceptance is a journal append). */
  static final long ACCEPT_TRY_TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final int shardCount;
  private final long routeDeadlineMs;
  private final String[] processAddresses;
  private final DeliveryOptions answerDelivery;
  private final DeliveryOptions acceptTryDelivery;
  private final Backoff backoff = new Backoff(20, 500, bound -> ThreadLocalRandom.current().nextLong(bound));

  /**
   * @param maxAnswerDelay the longest a {@code processMessage} answer may take: {@code lockTimeout} +
   *                       {@code processingTimeout} plus a margin
   */
  public ShardRouter(Vertx vertx, int shardCount, long maxAnswerDelay) {
    this(vertx, shardCount, maxAnswerDelay, ROUTE_DEADLINE_MS, ACCEPT_TRY_TIMEOUT_MS);
  }

  /** With other bounds than the constants (tests). */
  ShardRouter(Vertx vertx, int shardCount, long maxAnswerDelay, long routeDeadlineMs, long acceptTryTimeoutMs) {
    this.vertx = vertx;
    this.shardCount = shardCount;
    this.routeDeadlineMs = routeDeadlineMs;
    this.processAddresses = Addresses.shardProcessAddresses(shardCount);
    this.answerDelivery = new DeliveryOptions().setSendTimeout(maxAnswerDelay);
    this.acceptTryDelivery = new DeliveryOptions().setSendTimeout(Math.min(maxAnswerDelay, acceptTryTimeoutMs));
  }

  /** The shard of a conversation. */
  public int shardOf(String account, String contactId) {
    return ContactIds.shardOf(Accounts.conversationKey(account, contactId), shardCount);
  }

  /** Offers {@code request} (its idempotency key already fixed) to the shard of its conversation. */
  public Future<ProcessResult> submit(ProcessRequest request) {
    int shard = shardOf(request.account(), request.contactId());
    if (!vertx.isClustered()) {
      return vertx.eventBus().<ProcessResult>request(processAddresses[shard], request, answerDelivery)
        .map(Message::body);
    }
    Promise<ProcessResult> result = Promise.promise();
    long deadline = System.nanoTime() + routeDeadlineMs * 1_000_000;
    sendJson(shard, WireFormat.stamp(request.toJson()), request.acceptOnly(), 1, deadline, result);
    return result.future();
  }

  /**
   * Offers {@code process}, read from {@code request}, to its shard and answers {@code request} in the form it came in
   * (a record for a record, JSON for JSON), or fails it with the route's code.
   */
  void forward(ProcessRequest process, Message<Object> request) {
    boolean typed = request.body() instanceof ProcessRequest;
    submit(process)
      .onSuccess(result -> request.reply(typed ? result : WireFormat.stamp(result.toJson())))
      .onFailure(failure -> request.fail(failure instanceof ReplyException re ? re.failureCode() : 500,
        failure.getMessage()));
  }

  private void sendJson(int shard, JsonObject body, boolean acceptOnly, int attempt, long deadline,
                        Promise<ProcessResult> result) {
    vertx.eventBus().<JsonObject>request(processAddresses[shard], body, acceptOnly ? acceptTryDelivery : answerDelivery)
      .onSuccess(answer -> {
        ProcessResult answered;
        try {
          answered = ProcessResult.fromJson(answer.body());
        } catch (RuntimeException unreadable) {
          // e.g. a status this version does not know, from a newer node (see WireFormat): fail it, never hang
          result.fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 500, "shard " + shard + " answered in a form"
            + " this node cannot read: " + unreadable.getMessage()));
          return;
        }
        if (answered.status() == ProcessResult.Status.REJECTED && RejectReason.isOwnerMoving(answered.reason())
          && System.nanoTime() - deadline < 0) {
          // The shard is being handed off (its old owner drains) or was fenced: the next owner takes it.
          vertx.setTimer(backoff.delay(attempt, -1), id -> sendJson(shard, body, acceptOnly, attempt + 1, deadline,
            result));
        } else {
          result.complete(answered);
        }
      })
      .onFailure(failure -> {
        boolean ownerMoving = failure instanceof ReplyException reply && (reply.failureType() == ReplyFailure.NO_HANDLERS
          || acceptOnly && reply.failureType() == ReplyFailure.TIMEOUT);
        long delay = backoff.delay(attempt, -1);
        if (!ownerMoving) {
          result.fail(failure);
        } else if (System.nanoTime() + delay * 1_000_000 - deadline > 0) {
          result.fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 503, "shard " + shard
            + " has had no reachable owner for " + routeDeadlineMs + " ms: " + failure.getMessage()));
        } else {
          vertx.setTimer(delay, id -> sendJson(shard, body, acceptOnly, attempt + 1, deadline, result));
        }
      });
  }
}
