package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.MemoryJournal;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.JournalFixtures;
import io.messageorchestrator.support.SuiteConfig;
import io.messageorchestrator.support.SuiteExtension;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestAgent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * J6/J12 over HTTP: the {@code /admin} routes of dead letters and a contact's data, served by the real suite (its
 * HTTP verticle, its journal admin verticle and its journal — the memory journal in tests — which a test fills).
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
class JournalAdminRoutesTest {
  private static final String PHONE = "5511999990000";
  /** Every new route, with an id that exists in none of the tests' journals. */
  private static final List<Route> ROUTES = List.of(
    new Route(HttpMethod.GET, "/admin/dead-letters"),
    new Route(HttpMethod.GET, "/admin/dead-letters/p-1"),
    new Route(HttpMethod.DELETE, "/admin/dead-letters/p-1"),
    new Route(HttpMethod.POST, "/admin/dead-letters/p-1/replay"),
    new Route(HttpMethod.GET, "/admin/contacts/" + PHONE + "/data"),
    new Route(HttpMethod.DELETE, "/admin/contacts/" + PHONE + "/data"));

  private record Route(HttpMethod method, String path) {
  }

  private static HttpResponse<Buffer> call(Vertx vertx, OrchestratorSuite suite, HttpMethod method, String path,
                                           UnaryOperator<HttpRequest<Buffer>> headers) {
    return Await.result(headers.apply(WebClient.create(vertx)
      .request(method, suite.httpPort(), WebhookHttp.HOST, path)).send());
  }

  private static HttpResponse<Buffer> call(Vertx vertx, OrchestratorSuite suite, HttpMethod method, String path) {
    return call(vertx, suite, method, path, request -> request);
  }

  @Test
  @DisplayName("with an admin token, every dead-letter and contact-data route answers 401 without 'Bearer <token>'")
  @SuiteConfig(value = "admin.token=s3cret", http = true)
  void tokenRequiredOnEveryRoute(Vertx vertx, OrchestratorSuite suite) {
    Journal journal = suite.journal();
    for (Route route : ROUTES) {
      HttpResponse<Buffer> none = call(vertx, suite, route.method(), route.path());
      HttpResponse<Buffer> wrong = call(vertx, suite, route.method(), route.path(),
        request -> request.putHeader("Authorization", "Bearer nope"));
      HttpResponse<Buffer> right = call(vertx, suite, route.method(), route.path(),
        request -> request.putHeader("Authorization", "Bearer s3cret"));

      assertThat(none.statusCode()).as(route.toString()).isEqualTo(401);
      assertThat(none.getHeader("WWW-Authenticate")).as(route.toString()).isEqualTo("Bearer");
      assertThat(wrong.statusCode()).as(route.toString()).isEqualTo(401);
      assertThat(right.statusCode()).as(route.toString()).isIn(200, 404);
    }
    assertThat(Await.result(journal.deadLetters(10, 0))).isEmpty();
  }

  @Test
  @DisplayName("without a token, every route refuses a request forwarded by a proxy (403) and serves loopback")
  @SuiteConfig(http = true)
  void forwardedRefusedWithoutToken(Vertx vertx, OrchestratorSuite suite) {
    for (Route route : ROUTES) {
      HttpResponse<Buffer> forwarded = call(vertx, suite, route.method(), route.path(),
        request -> request.putHeader("X-Forwarded-For", "203.0.113.9"));
      HttpResponse<Buffer> loopback = call(vertx, suite, route.method(), route.path());

      assertThat(forwarded.statusCode()).as(route.toString()).isEqualTo(403);
      assertThat(forwarded.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
      assertThat(loopback.statusCode()).as(route.toString()).isIn(200, 404);
    }
  }

  @Test
  @DisplayName("dead letters: paged newest first, one by id, deleted; unknown ids 404, bad paging 400")
  @SuiteConfig(http = true)
  void deadLetters(Vertx vertx, OrchestratorSuite suite) {
    Journal journal = suite.journal();
    for (int i = 1; i <= 3; i++) {
      JournalFixtures.deadLetter(journal, "default", "c" + i, "p" + i, InboundMessage.text("m" + i));
    }

    JsonObject page = call(vertx, suite, HttpMethod.GET, "/admin/dead-letters?limit=2").bodyAsJsonObject();
    JsonObject next = call(vertx, suite, HttpMethod.GET, "/admin/dead-letters?limit=2&offset=2").bodyAsJsonObject();
    assertThat(page.getJsonArray("deadLetters").stream().map(l -> ((JsonObject) l).getString("processId")))
      .containsExactly("p3", "p2");
    assertThat(page.getInteger("limit")).isEqualTo(2);
    assertThat(next.getJsonArray("deadLetters").stream().map(l -> ((JsonObject) l).getString("processId")))
      .containsExactly("p1");
    assertThat(next.getInteger("offset")).isEqualTo(2);

    HttpResponse<Buffer> one = call(vertx, suite, HttpMethod.GET, "/admin/dead-letters/p2");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject().getJsonObject("message").getString("text")).isEqualTo("m2");
    HttpResponse<Buffer> deleted = call(vertx, suite, HttpMethod.DELETE, "/admin/dead-letters/p2");
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject()).isEqualTo(new JsonObject().put("deleted", true));
    for (Route unknown : List.of(new Route(HttpMethod.GET, "/admin/dead-letters/p2"),
      new Route(HttpMethod.DELETE, "/admin/dead-letters/p2"),
      new Route(HttpMethod.POST, "/admin/dead-letters/p2/replay"),
      new Route(HttpMethod.GET, "/admin/dead-letters/nope"))) {
      HttpResponse<Buffer> missing = call(vertx, suite, unknown.method(), unknown.path());
      assertThat(missing.statusCode()).as(unknown.toString()).isEqualTo(404);
      assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    }

    for (String query : List.of("limit=abc", "limit=0", "limit=501", "offset=-1", "limit=1&limit=2", "offset=1.5")) {
      HttpResponse<Buffer> bad = call(vertx, suite, HttpMethod.GET, "/admin/dead-letters?" + query);
      assertThat(bad.statusCode()).as(query).isEqualTo(400);
      assertThat(bad.bodyAsJsonObject().getString("message")).as(query).contains(query.substring(0, 5));
    }
  }

  @Test
  @DisplayName("a contact's data: exported (path normalised like the other contact routes, account from the query), then erased with counts; other conversations stay")
  @SuiteConfig(http = true)
  void contactData(Vertx vertx, OrchestratorSuite suite) {
    Journal journal = suite.journal();
    JournalFixtures.processed(journal, "pn-1", PHONE, "a1", InboundMessage.text("hello", "wamid.1"));
    JournalFixtures.deadLetter(journal, "pn-1", PHONE, "a2", InboundMessage.text("again", "wamid.2"));
    JournalFixtures.processed(journal, "default", PHONE, "b1", InboundMessage.text("other account", "wamid.3"));
    String path = "/admin/contacts/+55%20(11)%2099999-0000/data";

    HttpResponse<Buffer> exported = call(vertx, suite, HttpMethod.GET, path + "?account=pn-1");
    assertThat(exported.statusCode()).isEqualTo(200);
    assertThat(exported.bodyAsJsonObject().getString("contactId")).isEqualTo(PHONE);
    assertThat(exported.bodyAsJsonObject().getJsonArray("messages").stream()
      .map(m -> ((JsonObject) m).getJsonObject("message").getString("text"))).containsExactly("hello", "again");

    HttpResponse<Buffer> erased = call(vertx, suite, HttpMethod.DELETE, path + "?account=pn-1");
    assertThat(erased.statusCode()).isEqualTo(200);
    assertThat(erased.bodyAsJsonObject()).isEqualTo(new JsonObject().put("account", "pn-1").put("contactId", PHONE)
      .put("messages", 2).put("keys", 2));
    assertThat(call(vertx, suite, HttpMethod.GET, path + "?account=pn-1").bodyAsJsonObject()
      .getJsonArray("messages")).isEmpty();
    assertThat(call(vertx, suite, HttpMethod.GET, path).bodyAsJsonObject().getJsonArray("messages")).hasSize(1);
    assertThat(call(vertx, suite, HttpMethod.GET, "/admin/dead-letters").bodyAsJsonObject()
      .getJsonArray("deadLetters")).isEmpty();
  }

  @Test
  @DisplayName("a journal that cannot be read or written answers 503 on every route, never a 500")
  void journalUnavailable(Vertx vertx) {
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject(), new TestAgent(),
      JournalFixtures.failingReads(new MemoryJournal(1_000)));
    try {
      for (Route route : ROUTES) {
        HttpResponse<Buffer> answer = call(vertx, suite, route.method(), route.path());
        assertThat(answer.statusCode()).as(route.toString()).isEqualTo(503);
        assertThat(answer.bodyAsJsonObject().getString("error")).isEqualTo("unavailable");
        assertThat(answer.bodyAsJsonObject().getString("message")).contains("disk full");
      }
    } finally {
      Await.result(suite.stop());
    }
  }

  @Test
  @DisplayName("end to end: a message whose attempts all failed is listed, replayed as a new message (new processId, agent called again, messageProcessed with replayOf) although its provider id is taken, and the dead letter is gone")
  void replayEndToEnd(Vertx vertx) {
    AtomicBoolean agentDown = new AtomicBoolean(true);
    List<String> calls = new CopyOnWriteArrayList<>();
    EventRecorder events = EventRecorder.attach(vertx);
    OrchestratorSuite suite = Suites.startWithHttp(vertx, new JsonObject().put("retry", new JsonObject()
      .put("maxAttempts", 2).put("initialBackoff", 1).put("maxBackoff", 5)), (message, context) -> {
        calls.add(message.text() + "#" + context.attempt());
        if (agentDown.get()) {
          throw new IllegalStateException("agent down");
        }
        return AgentReply.of("re:" + message.text());
      });
    try {
      ProcessResult accepted = Await.result(suite.client().accept(PHONE, new InboundMessage("where is my order?",
        "wamid.7", "text", System.currentTimeMillis(), null)));
      assertThat(accepted.status()).isEqualTo(ProcessResult.Status.ACCEPTED);
      String original = accepted.processId();
      events.awaitFirst(Events.MESSAGE_DEAD_LETTERED, e -> original.equals(e.getString("processId")));
      JsonObject listed = call(vertx, suite, HttpMethod.GET, "/admin/dead-letters").bodyAsJsonObject();
      assertThat(listed.getJsonArray("deadLetters").stream().map(l -> ((JsonObject) l).getString("processId")))
        .containsExactly(original);
      agentDown.set(false);

      HttpResponse<Buffer> replayed = call(vertx, suite, HttpMethod.POST, "/admin/dead-letters/" + original
        + "/replay");

      assertThat(replayed.statusCode()).isEqualTo(200);
      JsonObject answer = replayed.bodyAsJsonObject();
      assertThat(answer.getBoolean("replayed")).isTrue();
      assertThat(answer.getString("replayOf")).isEqualTo(original);
      assertThat(answer.getBoolean("deadLetterDeleted")).isTrue();
      String processId = answer.getString("processId");
      assertThat(processId).isNotBlank().isNotEqualTo(original);
      JsonObject processed = events.awaitFirst(Events.MESSAGE_PROCESSED,
        e -> processId.equals(e.getString("processId")));
      assertThat(processed.getString("outcome")).isEqualTo("processed");
      assertThat(processed.getString("response")).isEqualTo("re:where is my order?");
      assertThat(processed.getString("replayOf")).isEqualTo(original);
      assertThat(processed.getJsonObject("message").getJsonObject("metadata").getString("replayedMessageId"))
        .isEqualTo("wamid.7");
      assertThat(calls).containsExactly("where is my order?#1", "where is my order?#2", "where is my order?#1");
      assertThat(call(vertx, suite, HttpMethod.GET, "/admin/dead-letters/" + original).statusCode()).isEqualTo(404);
      // The original's provider id still makes a redelivery of it a duplicate: the replay did not free it.
      assertThat(Await.result(suite.client().accept(PHONE, new InboundMessage("where is my order?", "wamid.7",
        "text", System.currentTimeMillis(), null))).status()).isEqualTo(ProcessResult.Status.DUPLICATE);
    } finally {
      Await.result(suite.stop());
    }
  }
}
