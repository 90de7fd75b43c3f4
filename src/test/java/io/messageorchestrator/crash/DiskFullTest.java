package io.messageorchestrator.crash;

import io.messageorchestrator.support.Poll;
import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.config.OrchestratorConfig;
import io.messageorchestrator.crash.Traffic.Planned;
import io.messageorchestrator.crash.Traffic.Route;
import io.messageorchestrator.journal.JournalSettings;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.journal.SqliteJournal;
import io.messageorchestrator.journal.SqliteJournalHooks;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Suites;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * J2/J9: a full disk, simulated with SQLite's {@code max_page_count} on the journal's writer connection (a hook the
 * child JVM has no way to reach, so this runs the suite in-process on a journal the test opened). While the disk is
 * full, new webhooks are answered 503 (the provider retries) and readiness is DOWN; nothing crashes; what was
 * accepted before is kept: processed once space is back, and again after a restart if its outcome could not be
 * written (at-least-once).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("A full disk under the SQLite journal")
class DiskFullTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  private Vertx vertx;
  private WebClient client;
  private OrchestratorSuite suite;
  private SqliteJournal journal;
  /** Message id → processId of every agent call, and the count of calls per message id. */
  private final Map<String, String> processIdOf = new ConcurrentHashMap<>();
  private final Map<String, Integer> callsPerMessage = new ConcurrentHashMap<>();
  private final CountDownLatch agentGate = new CountDownLatch(1);
  private Traffic plan;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    if (suite != null) {
      Await.result(suite.stop(), 60);
    }
    if (journal != null) {
      Await.result(journal.close());
    }
    agentGate.countDown();
    if (plan != null) {
      plan.close();
    }
    client.close();
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("new webhooks answer 503 and readiness is DOWN while the disk is full; accepted messages are all"
    + " processed once space is back, and none is lost across a restart")
  void fullDiskRefusesNewMessagesAndKeepsAccepted() {
    plan = new Traffic(vertx, 4, 1); // contacts 0 and 2 send through /webhook, 1 and 3 through /webhook/whatsapp
    Planned afterSpaceIsBack = plan.byContact().get(2).get(0);
    start();
    List<Planned> kept = new ArrayList<>();
    // The agent is held and may run one call at once: every other message waits for it in its lane, so /webhook
    // answers 'queued' at once (lockTimeout 0) instead of waiting for the agent.
    for (Planned message : List.of(plan.byContact().get(1).get(0), plan.byContact().get(3).get(0),
      plan.byContact().get(0).get(0))) {
      assertThat(send(message).statusCode()).as("accepted %s", message.messageId()).isEqualTo(200);
      kept.add(message);
    }

    Await.result(SqliteJournalHooks.limitPages(journal, 1)); // no page beyond the file's current size
    // The disk fills up under traffic: messages are accepted while the file's free room lasts (a small row may
    // still fit in a page after a big one did not), then refused. Those accepted are kept like the others.
    List<Planned> refused = new ArrayList<>();
    for (Route route : Route.values()) {
      for (String size : List.of("x".repeat(4_000), "short")) {
        Planned probe = null;
        for (int i = 0; i < 2_000 && (probe == null || kept.contains(probe)); i++) {
          probe = new Planned(route == Route.WEBHOOK ? "5511800000000" : "5511800000001", route, i,
            route + "-" + size.length() + "-" + i, size);
          int status = send(probe).statusCode();
          assertThat(status).as("%s on a filling disk", probe.messageId()).isIn(200, 503);
          if (status == 200) {
            kept.add(probe);
          }
        }
        refused.add(probe);
      }
    }
    assertThat(refused).as("each route answered 503 once the disk was full").noneMatch(kept::contains);
    Poll.until("readiness DOWN", WAIT, () -> readiness() == 503);

    agentGate.countDown(); // processed while the disk is still full: their starts and outcomes may not be written
    Poll.until("the accepted messages were processed", WAIT,
      () -> callsPerMessage.keySet().containsAll(ids(kept)));

    Await.result(SqliteJournalHooks.limitPages(journal, 1_000_000_000L)); // space is back
    Poll.until("readiness UP again", WAIT, () -> readiness() == 200);
    assertThat(send(afterSpaceIsBack).statusCode()).as("accepted again").isEqualTo(200);
    Poll.until("the message sent after space came back was processed", WAIT,
      () -> callsPerMessage.containsKey(afterSpaceIsBack.messageId()));

    kept.add(afterSpaceIsBack);
    restart(); // what the full disk kept from being recorded runs again
    Poll.until("every accepted message ended processed in the journal", WAIT,
      () -> kept.stream().allMatch(message -> "processed".equals(outcomeOf(message))), () -> kept.stream()
        .map(message -> message.messageId() + "=" + outcomeOf(message)).collect(Collectors.joining(", ")));
    Await.result(suite.stop(), 60);
    suite = null;
    Await.result(journal.close());
    journal = Await.result(SqliteJournal.open(vertx, settings()));
    Recovery left = Await.result(journal.recover());

    assertThat(left.unfinished()).as("unfinished messages at the end").isEmpty();
    assertThat(callsPerMessage).as("refused messages never reached the agent")
      .doesNotContainKeys(ids(refused).toArray(String[]::new));
  }

  private String outcomeOf(Planned message) {
    JsonObject kept = Await.result(journal.find(processIdOf.get(message.messageId())));
    return kept == null ? "(not in the journal)" : kept.getString("outcome");
  }

  private JournalSettings settings() {
    return JournalSettings.memory().withType("sqlite")
      .withPath(dir.resolve("data").resolve("orchestrator.db").toString());
  }

  /** The suite on the journal the test holds (opened again after a stop, as a restart does), HTTP on a free port. */
  private void start() {
    if (journal == null) {
      journal = Await.result(SqliteJournal.open(vertx, settings()));
    }
    JsonObject config = Suites.baseConfig()
      .put("lockTimeout", 0)
      .put("maxConcurrentContacts", 1)
      .put("maxQueueSize", 10_000)
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("instances", 1))
      .put("retry", new JsonObject().put("maxAttempts", 3));
    suite = Await.result(OrchestratorSuite.deploy(vertx, OrchestratorConfig.from(config),
      OrchestratorSuite.Options.defaults().withJournal(journal).withProcessor((message, context) -> {
        processIdOf.put(message.messageId(), context.processId());
        callsPerMessage.merge(message.messageId(), 1, Integer::sum);
        agentGate.await();
        return AgentReply.of(AgentAndReplySink.answerTo(message.messageId()));
      })));
  }

  private void restart() {
    Await.result(suite.stop(), 60);
    Await.result(journal.close());
    journal = null;
    start();
  }

  private HttpResponse<Buffer> send(Planned message) {
    return Await.result(plan.send("http://127.0.0.1:" + suite.httpPort(), message));
  }

  private int readiness() {
    return Await.result(client.get(suite.httpPort(), "127.0.0.1", "/health/ready").send()).statusCode();
  }

  private static List<String> ids(List<Planned> messages) {
    return messages.stream().map(Planned::messageId).collect(Collectors.toList());
  }
}
