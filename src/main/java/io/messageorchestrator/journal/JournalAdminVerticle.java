package io.messageorchestrator.journal;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The operator's API over the journal, on the event bus: dead letters (list, get, delete, replay — J6) and a
 * conversation's data (export, erase — J12). See the {@code DEAD_LETTERS_*} and {@code CONTACT_DATA_*}
 * {@link Addresses}.
 *
 * <p>Failure codes: 400 for a caller's mistake (the message names the field), 404 for an unknown dead letter, 409 for
 * a replay already under way, 429/503 when the orchestrator refuses a replay, 503 when the journal fails. Deploy one
 * instance: it keeps the replays under way on its own context.
 */
public final class JournalAdminVerticle extends VerticleBase {
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;
  /** How long a replay waits for the orchestrator to accept the new message (an append: milliseconds normally). */
  static final long REPLAY_ACCEPT_TIMEOUT_MS = 15_000;
  private static final Logger LOG = LoggerFactory.getLogger(JournalAdminVerticle.class);

  private final Journal journal;
  /** Dead letters whose replay is under way: a second replay of one is refused, not submitted twice. */
  private final Set<String> replaying = new HashSet<>();

  /** Shards whose history in memory an erasure clears (V4); 0: none. */
  private final int shardCount;

  public JournalAdminVerticle(Journal journal) {
    this(journal, 0);
  }

  /** @param shardCount the node's orchestrator shards, told to forget an erased conversation's history (V4) */
  public JournalAdminVerticle(Journal journal, int shardCount) {
    this.journal = journal;
    this.shardCount = shardCount;
  }

  @Override
  public Future<?> start() {
    List<MessageConsumer<Object>> consumers = List.of(
      serve(Addresses.DEAD_LETTERS_LIST, this::list),
      serve(Addresses.DEAD_LETTERS_GET, request -> deadLetter(processId(request))),
      serve(Addresses.DEAD_LETTERS_DELETE, this::delete),
      serve(Addresses.DEAD_LETTERS_REPLAY, this::replay),
      serve(Addresses.CONTACT_DATA_EXPORT, request -> journal.exportContact(account(request), contactId(request))),
      serve(Addresses.CONTACT_DATA_ERASE, this::erase));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /**
   * Answers each request with its operation's result; a caller's mistake fails with 400, a refusal with its own
   * code, anything else (the journal failing) with 503.
   */
  private MessageConsumer<Object> serve(String address, Function<JsonObject, Future<JsonObject>> operation) {
    return vertx.eventBus().consumer(address, request -> {
      Future<JsonObject> answer;
      try {
        answer = operation.apply(body(request));
      } catch (InvalidRequestException e) {
        request.fail(400, e.getMessage());
        return;
      } catch (RuntimeException e) { // a store that throws instead of failing its future
        answer = Future.failedFuture(e);
      }
      answer.onSuccess(request::reply).onFailure(failure -> {
        if (failure instanceof ReplyException refusal && refusal.failureCode() > 0) {
          request.fail(refusal.failureCode(), refusal.getMessage());
        } else {
          request.fail(503, "journal unavailable: " + (failure.getMessage() != null ? failure.getMessage()
            : failure.getClass().getSimpleName()));
        }
      });
    });
  }

  private Future<JsonObject> list(JsonObject request) {
    int limit = integer(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    int offset = integer(request, "offset", 0, 0, Integer.MAX_VALUE);
    return journal.deadLetters(limit, offset).map(letters -> new JsonObject()
      .put("deadLetters", new JsonArray(List.copyOf(letters))).put("limit", limit).put("offset", offset));
  }

  /** The dead letter, or a 404 failure: a message that exists but is not dead-lettered is not one. */
  private Future<JsonObject> deadLetter(String processId) {
    return journal.find(processId).compose(found -> found != null && isDeadLetter(found)
      ? Future.succeededFuture(found)
      : Future.failedFuture(refusal(404, "no dead letter " + processId)));
  }

  /**
   * The store's {@code deadLetter} flag (see {@link Journal#find}); for a store without it: outcome
   * {@code failed}/{@code timed_out} (retries used up), or a reply that could not be delivered.
   */
  static boolean isDeadLetter(JsonObject record) {
    if (record.getValue("deadLetter") instanceof Boolean flagged) {
      return flagged;
    }
    String outcome = record.getString("outcome");
    return "failed".equals(outcome) || "timed_out".equals(outcome)
      || ReplyState.FAILED.label().equals(record.getString("replyState"));
  }

  private Future<JsonObject> delete(JsonObject request) {
    String processId = processId(request);
    return journal.deleteDeadLetter(processId).compose(deleted -> deleted
      ? Future.succeededFuture(new JsonObject().put("deleted", true))
      : Future.failedFuture(refusal(404, "no dead letter " + processId)));
  }

  /**
   * Submits the dead letter's message again as a new message (new processId, {@code replayOf} the old one), and
   * deletes the dead letter once the orchestrator has accepted the new one: a refused replay leaves it to replay
   * later. A reply dead letter is replayed the same way: its message is processed again and the new reply delivered.
   */
  private Future<JsonObject> replay(JsonObject request) {
    String processId = processId(request);
    if (!replaying.add(processId)) {
      return Future.failedFuture(refusal(409, "a replay of " + processId + " is already under way"));
    }
    return deadLetter(processId)
      .compose(letter -> vertx.eventBus().<Object>request(Addresses.PROCESS, replayRequest(letter),
          new DeliveryOptions().setSendTimeout(REPLAY_ACCEPT_TIMEOUT_MS))
        .recover(failure -> Future.failedFuture(refusal(503, "the orchestrator did not accept the replay of "
          + processId + ": " + failure.getMessage()))))
      .compose(reply -> accepted(processId, reply.body()))
      .compose(newProcessId -> journal.deleteDeadLetter(processId)
        .map(deleted -> answer(processId, newProcessId, deleted))
        .otherwise(failure -> {
          // The new message is accepted: answering a failure would invite a second replay.
          LOG.warn("Dead letter {} was replayed as {} but could not be deleted: {}", processId, newProcessId,
            failure.getMessage());
          return answer(processId, newProcessId, false);
        }))
      .onComplete(done -> replaying.remove(processId));
  }

  /**
   * The request that submits a dead letter again. Its message goes <b>without its dedup key</b>: the provider's
   * {@code messageId} of the original is still in the journal's keys, and a replay must not be refused as a duplicate
   * of itself; the id stays visible to the agent as {@code metadata.replayedMessageId}. The provider's timestamp is
   * kept: a message older than {@code maxMessageAge} is expired, not answered outside the provider's reply window.
   */
  static JsonObject replayRequest(JsonObject letter) {
    JsonObject message = letter.getJsonObject("message").copy();
    Object messageId = message.remove("messageId");
    if (messageId != null) {
      JsonObject metadata = message.getJsonObject("metadata");
      message.put("metadata", (metadata == null ? new JsonObject() : metadata)
        .put("replayedMessageId", messageId.toString()));
    }
    return WireFormat.stamp(new JsonObject())
      .put("account", Accounts.require(letter.getValue("account")))
      .put("contactId", letter.getString("contactId"))
      .put("message", message)
      .put("acceptOnly", true)
      .put("replayOf", letter.getString("processId"));
  }

  /** The new message's processId when the orchestrator accepted it; else the refusal, as 429/503/409. */
  private static Future<String> accepted(String replayOf, Object reply) {
    JsonObject result = reply instanceof JsonObject json ? json : new JsonObject();
    String status = result.getString("status");
    if ("accepted".equals(status) && result.getString("processId") != null) {
      return Future.succeededFuture(result.getString("processId"));
    }
    String why = result.getString("reason", status) + (result.getString("error") != null
      ? ": " + result.getString("error") : "");
    int code = "rejected".equals(status) && !"shutting_down".equals(result.getString("reason")) ? 429
      : "duplicate".equals(status) ? 409 : 503;
    return Future.failedFuture(refusal(code, "the replay of " + replayOf + " was refused (" + why
      + "); the dead letter is kept"));
  }

  private static JsonObject answer(String replayOf, String newProcessId, boolean deadLetterDeleted) {
    LOG.info("Dead letter {} replayed as {}", replayOf, newProcessId);
    return new JsonObject().put("replayed", true).put("replayOf", replayOf).put("processId", newProcessId)
      .put("deadLetterDeleted", deadLetterDeleted);
  }

  private Future<JsonObject> erase(JsonObject request) {
    String account = account(request);
    String contactId = contactId(request);
    return journal.eraseContact(account, contactId)
      .compose(erased -> forgetHistory(account, contactId).map(erased))
      .onSuccess(erased -> LOG.info("Erased the journal's data of contact {} (account {}): {}",
        ContactIds.mask(contactId), account, erased.encode()));
  }

  /**
   * V4: after the journal's erasure (so that no read of the journal can bring it back), the conversation's shard
   * drops its history in memory. The erasure is answered once it did — or failed with 503 if the shard did not
   * answer (the journal's part is done; erasing again is harmless).
   */
  private Future<Void> forgetHistory(String account, String contactId) {
    if (shardCount == 0) {
      return Future.succeededFuture();
    }
    int shard = ContactIds.shardOf(Accounts.conversationKey(account, contactId), shardCount);
    return vertx.eventBus().request(Addresses.shard(shard, Addresses.SHARD_HISTORY_ERASE),
        WireFormat.stamp(new JsonObject().put("account", account).put("contactId", contactId)),
        new DeliveryOptions().setSendTimeout(5_000))
      .mapEmpty();
  }

  // ---------------------------------------------------------------- request fields

  private static JsonObject body(Message<Object> request) {
    if (request.body() == null) {
      return new JsonObject();
    }
    if (request.body() instanceof JsonObject json) {
      return json;
    }
    throw new InvalidRequestException("body", "the request must be a JSON object");
  }

  private static String processId(JsonObject request) {
    return ContactIds.require(request.getValue("processId"), "processId");
  }

  private static String contactId(JsonObject request) {
    return ContactIds.require(request.getValue("contactId"), "contactId");
  }

  private static String account(JsonObject request) {
    return Accounts.require(request.getValue("account"));
  }

  /** An optional whole number within [min, max]. */
  private static int integer(JsonObject request, String field, int absent, int min, int max) {
    Object value = request.getValue(field);
    if (value == null) {
      return absent;
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte)) {
      throw new InvalidRequestException(field, field + " must be a whole number");
    }
    long number = ((Number) value).longValue();
    if (number < min || number > max) {
      throw new InvalidRequestException(field, field + (max == Integer.MAX_VALUE ? " must be at least " + min
        : " must be between " + min + " and " + max) + ", got " + number);
    }
    return (int) number;
  }

  private static ReplyException refusal(int code, String message) {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, message);
  }
}
