package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The original MessageOrchestrator's API for Java code in this node, over the event bus:
 * {@code processMessage}, {@code on}, {@code getStats}, {@code isContactLocked}, {@code emergencyUnlock},
 * {@code detectAndResolveDeadlocks}. Messages go straight to the shard that owns the contact. Thread-safe.
 */
public final class OrchestratorClient {
  private final Vertx vertx;
  private final int shardCount;
  /** Each shard's {@code process} address, built once. */
  private final String[] processAddresses;
  private final DeliveryOptions processDelivery;

  /**
   * @param shardCount     the number of shards of the running suite
   * @param maxAnswerDelay the longest a {@code processMessage} answer may take: {@code lockTimeout} +
   *                       {@code processingTimeout} plus a margin
   */
  public OrchestratorClient(Vertx vertx, int shardCount, long maxAnswerDelay) {
    this.vertx = vertx;
    this.shardCount = shardCount;
    this.processAddresses = Addresses.shardProcessAddresses(shardCount);
    this.processDelivery = new DeliveryOptions().setSendTimeout(maxAnswerDelay);
  }

  /**
   * Offers a message for the contact. Completes with the processed result if processing started within
   * {@code lockTimeout}, else with {@code queued}; fails with a {@code ReplyException} of code 400 for invalid input.
   */
  public Future<ProcessResult> processMessage(String contactId, InboundMessage message) {
    return send(contactId, message, false);
  }

  /**
   * Offers a message and returns as soon as it is accepted ({@code accepted}, with its queue position, 0 if it
   * started), refused ({@code rejected}) or recognised as a {@code duplicate}; the reply travels on
   * {@code messageProcessed}. For webhooks, which must answer the provider fast.
   */
  public Future<ProcessResult> accept(String contactId, InboundMessage message) {
    return send(contactId, message, true);
  }

  private Future<ProcessResult> send(String contactId, InboundMessage message, boolean acceptOnly) {
    try {
      ContactIds.require(contactId, "contactId");
      if (message == null) {
        throw new InvalidRequestException("message", "message is required");
      }
    } catch (InvalidRequestException e) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 400, e.getMessage()));
    }
    return submit(new ProcessRequest(contactId, message, acceptOnly));
  }

  /**
   * Offers a request that names its account (and, for a replayed dead letter, {@code replayOf}) to the shard of its
   * conversation (account, contact).
   */
  public Future<ProcessResult> submit(ProcessRequest given) {
    ProcessRequest request = given.withIdempotencyKey();
    int shard = ContactIds.shardOf(Accounts.conversationKey(request.account(), request.contactId()), shardCount);
    return vertx.eventBus().<ProcessResult>request(processAddresses[shard], request, processDelivery)
      .map(Message::body);
  }

  /** Subscribes to one event ({@link Events}); unregister the returned consumer to stop. */
  public MessageConsumer<JsonObject> on(String event, Handler<JsonObject> handler) {
    return vertx.eventBus().consumer(Addresses.event(event), message -> handler.handle(message.body()));
  }

  public Future<JsonObject> getStats() {
    return request(Addresses.STATS, new JsonObject());
  }

  /** {@code {contactId, locked, leaseAgeMs?, processId?, queueSize, oldestWaitMs?, waitingForPermit}}. */
  public Future<JsonObject> contactStatus(String contactId) {
    return request(Addresses.CONTACT_STATUS, new JsonObject().put("contactId", contactId));
  }

  public Future<Boolean> isContactLocked(String contactId) {
    return contactStatus(contactId).map(status -> status.getBoolean("locked"));
  }

  /** Releases the contact's lease: 1 if it held one, else 0. Its queued messages resume. */
  public Future<Integer> emergencyUnlock(String contactId) {
    return request(Addresses.UNLOCK, new JsonObject().put("contactId", contactId))
      .map(answer -> answer.getInteger("unlocked"));
  }

  /** Releases every lease of the node; returns how many. */
  public Future<Integer> emergencyUnlock() {
    return request(Addresses.UNLOCK, new JsonObject()).map(answer -> answer.getInteger("unlocked"));
  }

  /** Runs the stale-lease sweep on every shard now; returns how many leases and lanes it repaired. */
  public Future<Integer> detectAndResolveDeadlocks() {
    return request(Addresses.RESOLVE_DEADLOCKS, new JsonObject()).map(answer -> answer.getInteger("resolved"));
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(Message::body);
  }
}
