package io.messageorchestrator.journal;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.core.HistoryEntry;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.Suites;
import io.messageorchestrator.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V4 through the whole suite: the history an agent call is given, kept in memory, rebuilt from the journal after a
 * restart (SQLite: read at start; PostgreSQL: read on the conversation's first call) and cleared by an erasure.
 */
@ExtendWith(VertxExtension.class)
class DurableHistoryTest {
  @TempDir
  Path folder;

  /** The history each message's agent call was given, by message text. */
  private final Map<String, List<HistoryEntry>> given = new ConcurrentHashMap<>();

  private OrchestratorSuite start(Vertx vertx, JsonObject journal) {
    return Suites.start(vertx, new JsonObject().put("journal", journal), (message, context) -> {
      given.put(message.text(), context.history());
      return AgentReply.of("re:" + message.text());
    });
  }

  private static void process(OrchestratorSuite suite, String contactId, String text) {
    assertThat(Await.result(suite.client().processMessage(contactId, InboundMessage.text(text))).status())
      .isEqualTo(ProcessResult.Status.PROCESSED);
  }

  private List<String> historyOf(String text) {
    return given.get(text).stream().map(entry -> entry.role() + ":" + entry.text()).toList();
  }

  @Test
  @DisplayName("memory journal: a call gets the conversation so far; erasing the conversation's data clears it")
  void inMemoryAndErased(Vertx vertx) {
    OrchestratorSuite suite = start(vertx, new JsonObject().put("type", "memory"));
    try {
      process(suite, "c1", "hi");
      process(suite, "c1", "the premium plan");
      assertThat(historyOf("the premium plan")).containsExactly("user:hi", "assistant:re:hi");

      Await.result(suite.client().eraseContactData("c1", null));
      process(suite, "c1", "after the erasure");
      assertThat(given.get("after the erasure")).isEmpty();
    } finally {
      Await.result(suite.stop());
    }
  }

  @Test
  @DisplayName("SQLite: the history survives a restart (read from the journal at start); erasing clears it there"
    + " too")
  void sqliteRestart(Vertx vertx) {
    JsonObject journal = new JsonObject().put("type", "sqlite").put("path", folder.resolve("o.db").toString());
    OrchestratorSuite first = start(vertx, journal);
    process(first, "c1", "hi");
    process(first, "c2", "other conversation");
    Await.result(first.stop());

    OrchestratorSuite second = start(vertx, journal);
    try {
      process(second, "c1", "again");
      assertThat(historyOf("again")).containsExactly("user:hi", "assistant:re:hi");
      Await.result(second.client().eraseContactData("c2", null));
    } finally {
      Await.result(second.stop());
    }

    OrchestratorSuite third = start(vertx, journal);
    try {
      process(third, "c2", "am I forgotten?");
      assertThat(given.get("am I forgotten?")).isEmpty();
      process(third, "c1", "third time");
      assertThat(historyOf("third time")).containsExactly("user:hi", "assistant:re:hi", "user:again",
        "assistant:re:again");
    } finally {
      Await.result(third.stop());
    }
  }

  @Test
  @DisplayName("PostgreSQL: after a restart a conversation's history is read from the journal on its first call")
  void postgresFirstCall(Vertx vertx) {
    String schema = TestPostgres.uniqueSchema("history");
    JsonObject journal = TestPostgres.journalConfig(schema);
    try {
      OrchestratorSuite first = start(vertx, journal);
      process(first, "c1", "hi");
      process(first, "c1", "the premium plan");
      Await.result(first.stop());

      OrchestratorSuite second = start(vertx, journal);
      try {
        assertThat(Await.result(second.client().getStats()).getInteger("historyConversations")).isZero();
        process(second, "c1", "for 3 users?");
        assertThat(historyOf("for 3 users?")).containsExactly("user:hi", "assistant:re:hi", "user:the premium plan",
          "assistant:re:the premium plan");
        process(second, "c1", "thanks");
        assertThat(historyOf("thanks")).endsWith("user:for 3 users?", "assistant:re:for 3 users?").hasSize(6);
      } finally {
        Await.result(second.stop());
      }
    } finally {
      TestPostgres.dropSchema(vertx, schema);
    }
  }
}
