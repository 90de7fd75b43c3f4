package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.WireFormat;
import io.vertx.core.Future;
import java.time.Duration;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The original MessageOrchestrator's API for Java code in this node, over the event bus:
 * {@code processMessage}, {@code on}, {@code getStats}, {@code isContactLocked}, {@code emergencyUnlock},
 * {@code detectAndResolveDeadlocks}; and the journal's operator API: dead letters and a conversation's data
 * (J6, J12). Messages go straight to the shard that owns the contact. Thread-safe.
 *
 * <p>Journal operations fail with a {@code ReplyException} whose code says why: 400 a bad argument, 404 no such
 * dead letter, 409 a replay already under way, 429/503 a replay refused, 503 the journal unavailable.
 */
public final class OrchestratorClient {
  private final Vertx vertx;
  private final ShardRouter router;

  /**
   * @param shardCount     the number of shards of the running suite
   * @param maxAnswerDelay the longest a {@code processMessage} answer may take: {@code lockTimeout} +
   *                       {@code processingTimeout} plus a margin
   */
  public OrchestratorClient(Vertx vertx, int shardCount, long maxAnswerDelay) {
    this.vertx = vertx;
    this.router = new ShardRouter(vertx, shardCount, maxAnswerDelay);
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
    return router.submit(given.withIdempotencyKey());
  }

  /**
   * Subscribes to one event ({@link Events}); unregister the returned consumer to stop. In cluster mode the
   * subscription is cluster-wide: it receives every node's events (the event-bus header {@code node} of each says
   * which node published it, see {@code EventOrigin}), so count with it on one node only.
   */
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
    return emergencyUnlock(contactId, null);
  }

  /** {@link #emergencyUnlock(String)} of the conversation with {@code contactId} on {@code account} ({@code null}: the default). */
  public Future<Integer> emergencyUnlock(String contactId, String account) {
    return request(Addresses.UNLOCK, new JsonObject().put("contactId", contactId).put("account", account))
      .map(answer -> answer.getInteger("unlocked"));
  }

  /**
   * {@code {contactId, account, locked, queueSize, paused, pause?, heldCount, held: [...], ...}} of the conversation
   * with {@code account} ({@code null}: {@code default}).
   */
  public Future<JsonObject> contactStatus(String contactId, String account) {
    return request(Addresses.CONTACT_STATUS, new JsonObject().put("contactId", contactId).put("account", account));
  }

  /**
   * V3 — human handoff: pauses the conversation for {@code ttl} (then it resumes by itself; {@code null}:
   * {@code handoff.pauseTtl}). Its messages are journaled and held, never given to the agent, until it resumes.
   * Answers {@code {paused: true, contactId, account, pausedAt, until, by: "operator", reason, held}}; fails with a
   * {@code ReplyException} of code 400 for a bad argument, 503 when the journal could not record the pause.
   *
   * @param account {@code null} for {@code default}
   * @param reason  shown in the {@code contactPaused} event and the contact's status; may be {@code null}
   */
  public Future<JsonObject> pause(String contactId, String account, Duration ttl, String reason) {
    return request(Addresses.CONTACT_PAUSE, new JsonObject().put("contactId", contactId).put("account", account)
      .put("ttl", ttl == null ? null : ttl.toMillis()).put("reason", reason));
  }

  /** {@link #pause(String, String, Duration, String)} for the {@code default} account. */
  public Future<JsonObject> pause(String contactId, Duration ttl, String reason) {
    return pause(contactId, null, ttl, reason);
  }

  /**
   * V3: ends the conversation's pause; its held messages go as {@code handoff.onResume} says. Answers
   * {@code {resumed, held, onResume?, processIds?, contactId, account}} ({@code resumed} false: it was not paused).
   *
   * @param account {@code null} for {@code default}
   */
  public Future<JsonObject> resume(String contactId, String account) {
    return request(Addresses.CONTACT_RESUME, new JsonObject().put("contactId", contactId).put("account", account));
  }

  /** {@link #resume(String, String)} for the {@code default} account. */
  public Future<JsonObject> resume(String contactId) {
    return resume(contactId, null);
  }

  /**
   * V3 (the webhooks): a message the business sent from its own phone to the contact. It pauses the conversation
   * ({@code handoff.pauseOnBusinessReply}) unless it is the provider's echo of a reply this service sent. Answers
   * {@code {paused, echo}}.
   */
  public Future<JsonObject> businessMessage(String account, String contactId, String providerMessageId, String text) {
    return request(Addresses.BUSINESS_MESSAGE, new JsonObject().put("contactId", contactId).put("account", account)
      .put("providerMessageId", providerMessageId).put("text", text));
  }

  /** Releases every lease of the node; returns how many. */
  public Future<Integer> emergencyUnlock() {
    return request(Addresses.UNLOCK, new JsonObject()).map(answer -> answer.getInteger("unlocked"));
  }

  /** Runs the stale-lease sweep on every shard now; returns how many leases and lanes it repaired. */
  public Future<Integer> detectAndResolveDeadlocks() {
    return request(Addresses.RESOLVE_DEADLOCKS, new JsonObject()).map(answer -> answer.getInteger("resolved"));
  }

  /**
   * {@code {deadLetters: [...], limit, offset}}, newest first.
   *
   * @param limit  at most this many (1–500), {@code null} for 50
   * @param offset skip this many newest ones first, {@code null} for 0
   */
  public Future<JsonObject> deadLetters(Integer limit, Integer offset) {
    return request(Addresses.DEAD_LETTERS_LIST, new JsonObject().put("limit", limit).put("offset", offset));
  }

  /** The dead letter: its message, outcome, error and reply. */
  public Future<JsonObject> deadLetter(String processId) {
    return request(Addresses.DEAD_LETTERS_GET, new JsonObject().put("processId", processId));
  }

  /** {@code {deleted: true}}. */
  public Future<JsonObject> deleteDeadLetter(String processId) {
    return request(Addresses.DEAD_LETTERS_DELETE, new JsonObject().put("processId", processId));
  }

  /**
   * Submits the dead letter's message again as a new message: {@code {replayed: true, replayOf, processId,
   * deadLetterDeleted}} with the new message's {@code processId}; its outcome travels on {@code messageProcessed}.
   */
  public Future<JsonObject> replayDeadLetter(String processId) {
    return request(Addresses.DEAD_LETTERS_REPLAY, new JsonObject().put("processId", processId));
  }

  /**
   * Everything the journal keeps about the conversation: {@code {account, contactId, messages, keys}}.
   *
   * @param account the business number / instance the conversation is with, {@code null} for {@code default}
   */
  public Future<JsonObject> exportContactData(String contactId, String account) {
    return request(Addresses.CONTACT_DATA_EXPORT, new JsonObject().put("contactId", contactId)
      .put("account", account));
  }

  /**
   * Erases the conversation's messages, replies and keys; answers {@code {account, contactId, messages, keys}} with
   * how many of each were erased.
   *
   * @param account {@code null} for {@code default}
   */
  public Future<JsonObject> eraseContactData(String contactId, String account) {
    return request(Addresses.CONTACT_DATA_ERASE, new JsonObject().put("contactId", contactId)
      .put("account", account));
  }

  /** In a cluster another node (maybe of another version) may answer: the request says its format. */
  private Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, WireFormat.stamp(body)).map(Message::body);
  }
}
