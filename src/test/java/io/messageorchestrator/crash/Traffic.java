package io.messageorchestrator.crash;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The providers' side of a crash test: {@code contacts} conversations of {@code perContact} messages each, half
 * through {@code POST /webhook} (JSON {@code {from, body, messageId}}) and half through {@code POST /webhook/whatsapp}
 * (Cloud API payloads, unsigned: {@code whatsapp.appSecret} is not set). All contacts send at once; within a
 * contact, each message is sent only after the previous one was answered, so a contact's acceptance order is its
 * send order. A connection error (the service was killed) makes that message "not accepted" and the contact goes
 * on with its next one, as a provider would.
 *
 * <p>Through a cluster ({@link #sendThrough}) a contact's messages enter through the nodes in turn, and a message that
 * was not accepted (no answer, or 429/503) is sent again with the same message id through the next node, as a
 * provider's retry behind a load balancer would: whichever node had it first, the journal's duplicate key keeps it
 * one message.
 */
final class Traffic implements AutoCloseable {
  enum Route { WEBHOOK, WHATSAPP }

  /** What the sender learnt from one send. */
  enum Answer {
    /** 200: the service answered it accepted (queued, processed or accepted); the provider will not send it again. */
    ACCEPTED,
    /** 200 {@code duplicate} on {@code /webhook}. */
    DUPLICATE,
    /** An HTTP answer other than 200 (429/503): the provider would retry. */
    REFUSED,
    /** No answer: connection refused or cut (the kill). */
    NO_ANSWER
  }

  /** One message of the plan; {@code index} is its place in its contact's send order. */
  record Planned(String contactId, Route route, int index, String messageId, String text) {
  }

  private final Vertx vertx;
  private final WebClient client;
  private final List<List<Planned>> byContact = new ArrayList<>();
  private final Map<String, Planned> byMessageId = new ConcurrentHashMap<>();
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, Integer> sends = new ConcurrentHashMap<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger resent = new AtomicInteger();
  private volatile boolean stopping;

  Traffic(Vertx vertx, int contacts, int perContact) {
    this(vertx, 0, contacts, perContact);
  }

  /**
   * @param firstContact the number of the first contact: traffics of one test that share a journal use distinct
   *                     contacts (and so distinct message ids)
   */
  Traffic(Vertx vertx, int firstContact, int contacts, int perContact) {
    this.vertx = vertx;
    // Fewer connections than contacts: requests wait for a connection in the client, as behind a provider's pool.
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(2_000),
      new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
    for (int c = firstContact; c < firstContact + contacts; c++) {
      String contactId = "5511" + (900_000_000 + c);
      Route route = c % 2 == 0 ? Route.WEBHOOK : Route.WHATSAPP;
      List<Planned> messages = new ArrayList<>(perContact);
      for (int i = 0; i < perContact; i++) {
        String messageId = (route == Route.WEBHOOK ? "wh-" : "wamid.") + contactId + "." + i;
        Planned planned = new Planned(contactId, route, i, messageId, "message " + i + " of " + contactId);
        messages.add(planned);
        byMessageId.put(messageId, planned);
      }
      byContact.add(messages);
    }
  }

  /** Starts every contact's sender against {@code baseUrl}; completes when every planned message was sent once. */
  Future<Void> sendAll(String baseUrl) {
    return sendAll(baseUrl, Integer.MAX_VALUE, Future.succeededFuture());
  }

  /**
   * {@link #sendAll(String)}, but each contact sends its messages from index {@code gatedFrom} on only once
   * {@code gate} completed: a test that kills the service when the gate opens knows that senders are still sending,
   * however fast the service took the first ones.
   */
  Future<Void> sendAll(String baseUrl, int gatedFrom, Future<Void> gate) {
    List<Future<Void>> contacts = new ArrayList<>(byContact.size());
    for (List<Planned> messages : byContact) {
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> sendFrom(baseUrl, messages, 0, gatedFrom, gate, done));
      contacts.add(done.future());
    }
    return Future.all(contacts).mapEmpty();
  }

  private void sendFrom(String baseUrl, List<Planned> messages, int next, int gatedFrom, Future<Void> gate,
                        Promise<Void> done) {
    if (next == messages.size()) {
      done.complete();
      return;
    }
    if (next == gatedFrom && !gate.isComplete()) {
      gate.onComplete(opened -> vertx.runOnContext(v -> sendFrom(baseUrl, messages, next, gatedFrom, gate, done)));
      return;
    }
    Planned message = messages.get(next);
    send(baseUrl, message).onComplete(response -> {
      answers.put(message.messageId(), classify(message, response.succeeded() ? response.result() : null));
      answered.incrementAndGet();
      sendFrom(baseUrl, messages, next + 1, gatedFrom, gate, done);
    });
  }

  /**
   * Starts every contact's sender against the nodes at {@code baseUrls}; completes when every contact sent all its
   * messages or, after {@link #stop()}, its current one. Message {@code i} of contact {@code c} goes first to node
   * {@code (c + i) % n}; while it is not accepted it goes to the next node (after a full round of refusals, after
   * {@value #ROUND_PAUSE_MS} ms), for at most {@value #RESEND_DEADLINE_MS} ms. A contact's next message waits for
   * {@code gapMs} after the previous one was answered.
   */
  Future<Void> sendThrough(List<String> baseUrls, long gapMs) {
    List<Future<Void>> contacts = new ArrayList<>(byContact.size());
    for (int c = 0; c < byContact.size(); c++) {
      List<Planned> messages = byContact.get(c);
      int first = c;
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> sendFrom(baseUrls, first, gapMs, messages, 0, done));
      contacts.add(done.future());
    }
    return Future.all(contacts).mapEmpty();
  }

  /** How long a message is offered to the nodes in turn before it counts as not accepted. */
  static final long RESEND_DEADLINE_MS = 60_000;
  /** The pause after every node refused a message once (a node restarts, the shard moves). */
  static final long ROUND_PAUSE_MS = 200;

  /** After this, each contact of {@link #sendThrough} stops once its current message was answered. */
  void stop() {
    stopping = true;
  }

  private void sendFrom(List<String> baseUrls, int contact, long gapMs, List<Planned> messages, int next,
                        Promise<Void> done) {
    if (next == messages.size() || stopping) {
      done.complete();
      return;
    }
    Planned message = messages.get(next);
    long deadline = System.nanoTime() + RESEND_DEADLINE_MS * 1_000_000;
    offer(baseUrls, (contact + next) % baseUrls.size(), 0, deadline, message).onComplete(answer -> {
      answers.put(message.messageId(), answer.result());
      answered.incrementAndGet();
      vertx.setTimer(Math.max(1, gapMs), id -> sendFrom(baseUrls, contact, gapMs, messages, next + 1, done));
    });
  }

  /** Sends {@code message} through node {@code node}, then the next ones, until one accepts it or the deadline. */
  private Future<Answer> offer(List<String> baseUrls, int node, int tries, long deadline, Planned message) {
    sends.merge(message.messageId(), 1, Integer::sum);
    return send(baseUrls.get(node), message).transform(response -> {
      Answer answer = classify(message, response.succeeded() ? response.result() : null);
      if (answer == Answer.DUPLICATE && tries > 0) {
        // An earlier try was accepted though its answer was lost (its node died or timed out): accepted once.
        accepted.incrementAndGet();
        return Future.succeededFuture(Answer.ACCEPTED);
      }
      if (answer == Answer.ACCEPTED || answer == Answer.DUPLICATE || System.nanoTime() - deadline > 0) {
        return Future.succeededFuture(answer);
      }
      resent.incrementAndGet();
      int nextNode = (node + 1) % baseUrls.size();
      long pause = (tries + 1) % baseUrls.size() == 0 ? ROUND_PAUSE_MS : 1;
      Promise<Answer> later = Promise.promise();
      vertx.setTimer(pause, id -> offer(baseUrls, nextNode, tries + 1, deadline, message).onComplete(later));
      return later.future();
    });
  }

  private Answer classify(Planned message, HttpResponse<Buffer> response) {
    if (response == null) {
      return Answer.NO_ANSWER;
    }
    if (response.statusCode() != 200) {
      refusals.add(response.statusCode() + " " + response.bodyAsString());
      return Answer.REFUSED;
    }
    if (message.route() == Route.WEBHOOK && "duplicate".equals(response.bodyAsJsonObject().getString("status"))) {
      return Answer.DUPLICATE;
    }
    accepted.incrementAndGet();
    return Answer.ACCEPTED;
  }

  /** Sends one message once, as its provider would (also used to redeliver it). */
  Future<HttpResponse<Buffer>> send(String baseUrl, Planned message) {
    if (message.route() == Route.WEBHOOK) {
      return client.postAbs(baseUrl + "/webhook").timeout(10_000).sendJsonObject(new JsonObject()
        .put("from", "+" + message.contactId()).put("body", message.text()).put("messageId", message.messageId()));
    }
    return client.postAbs(baseUrl + "/webhook/whatsapp").timeout(10_000).sendJsonObject(whatsAppPayload(message));
  }

  /** A Cloud API notification with one text message, shaped like {@code meta-cloud-inbound-text.json}. */
  static JsonObject whatsAppPayload(Planned message) {
    JsonObject value = new JsonObject()
      .put("messaging_product", "whatsapp")
      .put("metadata", new JsonObject().put("display_phone_number", "15550783881")
        .put("phone_number_id", "106540352242922"))
      .put("contacts", new JsonArray().add(new JsonObject()
        .put("profile", new JsonObject().put("name", "Contact " + message.contactId()))
        .put("wa_id", message.contactId())))
      .put("messages", new JsonArray().add(new JsonObject()
        .put("from", message.contactId())
        .put("id", message.messageId())
        .put("timestamp", Long.toString(System.currentTimeMillis() / 1000))
        .put("type", "text")
        .put("text", new JsonObject().put("body", message.text()))));
    return new JsonObject().put("object", "whatsapp_business_account").put("entry", new JsonArray()
      .add(new JsonObject().put("id", "102290129340398").put("changes", new JsonArray()
        .add(new JsonObject().put("value", value).put("field", "messages")))));
  }

  /** Status and body of each refused message (a failing test says why). */
  final List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());

  int planned() {
    return byMessageId.size();
  }

  int contacts() {
    return byContact.size();
  }

  int acceptedCount() {
    return accepted.get();
  }

  int answeredCount() {
    return answered.get();
  }

  /** How many times a message was sent again through another node (after no answer or a refusal). */
  int resentCount() {
    return resent.get();
  }

  /** How many times {@code messageId} was sent (more than once: resent through another node). */
  int sends(String messageId) {
    return sends.getOrDefault(messageId, 0);
  }

  Answer answer(String messageId) {
    return answers.get(messageId);
  }

  Planned planned(String messageId) {
    return byMessageId.get(messageId);
  }

  /** Every contact's messages in send order. */
  List<List<Planned>> byContact() {
    return byContact;
  }

  /** The messages answered {@link Answer#ACCEPTED}, contact by contact in send (= acceptance) order. */
  List<Planned> accepted() {
    return byContact.stream().flatMap(List::stream)
      .filter(message -> answers.get(message.messageId()) == Answer.ACCEPTED).toList();
  }

  long count(Answer answer) {
    return answers.values().stream().filter(answer::equals).count();
  }

  @Override
  public void close() {
    client.close();
  }
}
