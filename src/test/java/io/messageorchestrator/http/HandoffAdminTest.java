package io.messageorchestrator.http;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.EventRecorder;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V3 on the whole suite: pausing and resuming a conversation through the admin HTTP API, the event bus and
 * {@code OrchestratorClient}; held messages listed under {@code GET /admin/contacts/{id}}; bad bodies refused with a
 * 400 naming the field; the agent's handoff request pausing the conversation after its reply.
 */
@ExtendWith(VertxExtension.class)
class HandoffAdminTest {
  private final List<String> agentCalls = new CopyOnWriteArrayList<>();
  private Vertx vertx;
  private OrchestratorSuite suite;
  private WebClient web;
  private EventRecorder events;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    events = EventRecorder.attach(vertx);
    suite = Suites.startWithHttp(vertx, new JsonObject().put("lockTimeout", 0)
      .put("handoff", new JsonObject().put("onResume", "all")), (message, context) -> {
        agentCalls.add(message.text());
        return message.text().startsWith("human")
          ? new AgentReply("A colleague will write soon", null, true) : AgentReply.of("re:" + message.text());
      });
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    Await.result(suite.stop());
  }

  private HttpResponse<Buffer> post(String path, String body) {
    return Await.result(web.post(suite.httpPort(), "127.0.0.1", path).putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer(body)));
  }

  private JsonObject get(String path) {
    HttpResponse<Buffer> response = Await.result(web.get(suite.httpPort(), "127.0.0.1", path).send());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  @Test
  @DisplayName("POST /admin/contacts/{id}/pause holds the contact's messages (listed by GET /admin/contacts/{id},"
    + " never given to the agent) until POST …/resume releases them (onResume=all: each answered)")
  void pauseAndResumeOverHttp() {
    HttpResponse<Buffer> paused = post("/admin/contacts/5511999990000/pause",
      "{\"ttl\": 600000, \"reason\": \"Ana takes over\"}");
    assertThat(paused.statusCode()).isEqualTo(200);
    assertThat(paused.bodyAsJsonObject().getBoolean("paused")).isTrue();
    assertThat(paused.bodyAsJsonObject().getString("by")).isEqualTo("operator");
    assertThat(paused.bodyAsJsonObject().getLong("until") - paused.bodyAsJsonObject().getLong("pausedAt"))
      .isEqualTo(600_000);

    for (String text : List.of("one", "two")) {
      assertThat(Await.result(suite.client().accept("5511999990000", InboundMessage.text(text))).status())
        .isEqualTo(ProcessResult.Status.HELD);
    }
    JsonObject status = get("/admin/contacts/5511999990000");
    assertThat(status.getBoolean("paused")).isTrue();
    assertThat(status.getJsonObject("pause").getString("reason")).isEqualTo("Ana takes over");
    assertThat(status.getInteger("heldCount")).isEqualTo(2);
    assertThat(status.getJsonArray("held").getJsonObject(1).getJsonObject("message").getString("text"))
      .isEqualTo("two");
    assertThat(Await.result(suite.client().getStats()).getInteger("pausedContacts")).isEqualTo(1);
    assertThat(agentCalls).isEmpty();

    HttpResponse<Buffer> resumed = post("/admin/contacts/5511999990000/resume", "");
    assertThat(resumed.statusCode()).isEqualTo(200);
    assertThat(resumed.bodyAsJsonObject().getBoolean("resumed")).isTrue();
    assertThat(resumed.bodyAsJsonObject().getInteger("held")).isEqualTo(2);
    assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 2)).extracting(event -> event.getString("response"))
      .containsExactly("re:one", "re:two");
    assertThat(events.all(Events.CONTACT_PAUSED)).singleElement()
      .satisfies(event -> assertThat(event.getString("reason")).isEqualTo("Ana takes over"));
    assertThat(events.all(Events.CONTACT_RESUMED)).singleElement()
      .satisfies(event -> assertThat(event.getString("by")).isEqualTo("operator"));
    assertThat(get("/admin/contacts/5511999990000").getBoolean("paused")).isFalse();
    assertThat(post("/admin/contacts/5511999990000/resume", "{}").bodyAsJsonObject().getBoolean("resumed"))
      .isFalse();
  }

  @Test
  @DisplayName("a bad pause body is a 400 naming the problem, never a 5xx; nothing is paused")
  void badBodies() {
    for (String body : List.of("[1]", "{\"ttl\": \"soon\"}", "{\"ttl\": 1.5}", "{\"ttl\": 10}",
      "{\"reason\": 7}", "{\"colour\": \"red\"}", "{not json", "{\"account\": 5}")) {
      HttpResponse<Buffer> response = post("/admin/contacts/c1/pause", body);
      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertThat(response.bodyAsJsonObject().getString("error")).as(body).isEqualTo("invalid_request");
    }
    assertThat(post("/admin/contacts/c1/pause", "{\"ttl\": 10}").bodyAsJsonObject().getString("message"))
      .contains("ttl");
    assertThat(post("/admin/contacts/c1/resume", "{\"ttl\": 1000}").statusCode()).isEqualTo(400);
    assertThat(get("/admin/contacts/c1").getBoolean("paused")).isFalse();
  }

  @Test
  @DisplayName("the event-bus addresses and OrchestratorClient pause and resume a conversation (per account), with"
    + " a 400 for a bad request")
  void eventBusAndClient() {
    JsonObject paused = Await.result(vertx.eventBus().<JsonObject>request(Addresses.CONTACT_PAUSE,
      new JsonObject().put("contactId", "c2").put("account", "shop").put("reason", "vip"))).body();
    assertThat(paused.getString("account")).isEqualTo("shop");
    assertThat(paused.getLong("until") - paused.getLong("pausedAt"))
      .isEqualTo(suite.config().handoff().pauseTtl());
    Await.result(suite.client().accept("c2", InboundMessage.text("to the default account")));
    assertThat(events.awaitAll(Events.MESSAGE_PROCESSED, 1).getFirst().getString("response"))
      .isEqualTo("re:to the default account");
    assertThat(Await.result(suite.client().contactStatus("c2", "shop")).getBoolean("paused")).isTrue();

    JsonObject viaClient = Await.result(suite.client().pause("c3", Duration.ofMinutes(5), "client"));
    assertThat(viaClient.getString("reason")).isEqualTo("client");
    assertThat(Await.result(suite.client().isContactLocked("c3"))).isFalse();
    assertThat(Await.result(suite.client().resume("c3")).getBoolean("resumed")).isTrue();
    assertThat(Await.result(vertx.eventBus().<JsonObject>request(Addresses.CONTACT_RESUME,
      new JsonObject().put("contactId", "c2").put("account", "shop"))).body().getBoolean("resumed")).isTrue();

    Throwable refused = Await.failure(vertx.eventBus().<JsonObject>request(Addresses.CONTACT_PAUSE,
      new JsonObject().put("contactId", "c4").put("ttl", -5)).map(Message::body));
    assertThat(refused).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) refused).failureCode()).isEqualTo(400);
    assertThat(refused).hasMessageContaining("ttl");
  }

  @Test
  @DisplayName("the agent asks for a human: its reply is delivered (messageProcessed, handoff) and the conversation"
    + " is paused by 'agent'; the contact's next message is held")
  void agentHandoffPauses() {
    Await.result(suite.client().accept("c5", InboundMessage.text("human please")));
    JsonObject processed = events.awaitAll(Events.MESSAGE_PROCESSED, 1).getFirst();
    assertThat(processed.getString("response")).isEqualTo("A colleague will write soon");
    assertThat(processed.getBoolean("handoff")).isTrue();
    assertThat(events.awaitAll(Events.CONTACT_PAUSED, 1).getFirst().getString("by")).isEqualTo("agent");

    assertThat(Await.result(suite.client().accept("c5", InboundMessage.text("hello?"))).status())
      .isEqualTo(ProcessResult.Status.HELD);
    assertThat(agentCalls).containsExactly("human please");
  }
}
