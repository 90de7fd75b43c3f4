package io.messageorchestrator.journal;

import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** V4: the SQLite journal's one read of recent history at start, and its bounds. */
@ExtendWith(VertxExtension.class)
class SqliteHistoryLoadTest {
  @TempDir
  Path folder;

  @Test
  @DisplayName("newest conversations first, at most perConversation entries each (the newest), oldest first;"
    + " unfinished messages and rows older than 'since' left out")
  void boundedRead(Vertx vertx) {
    SqliteJournal journal = Await.result(SqliteJournal.open(vertx, JournalSettings.memory().withType("sqlite")
      .withPath(folder.resolve("h.db").toString())));
    try {
      long t = 1_700_000_000_000L;
      finished(journal, "p1", "old", "too old", "re:too old", t - 1_000); // before 'since'
      finished(journal, "p2", "a", "a1", "re:a1", t);
      finished(journal, "p3", "b", "b1", null, t + 1);                     // no reply (e.g. handled by a human)
      finished(journal, "p4", "a", "a2", "re:a2", t + 2);
      finished(journal, "p5", "c", "c1", "re:c1", t + 3);
      Await.result(journal.append(entry("p6", "c", "still running", t + 4), 0));

      List<HistoryTurn> turns = Await.result(journal.recentHistory(3, 2, t));

      assertThat(turns).extracting(turn -> turn.contactId() + "/" + turn.entry().role() + ":" + turn.entry().text())
        .containsExactlyInAnyOrder("c/user:c1", "c/assistant:re:c1", "a/assistant:re:a1", "a/user:a2",
          "a/assistant:re:a2");
      assertThat(turns.stream().filter(turn -> turn.contactId().equals("a")).map(turn -> turn.entry().text()))
        .containsExactly("re:a1", "a2", "re:a2");
      assertThat(turns.stream().filter(turn -> turn.contactId().equals("a")).map(HistoryTurn::processId))
        .containsExactly("p2", "p4", "p4");
    } finally {
      Await.result(journal.close());
    }
  }

  private static JournalEntry entry(String processId, String contactId, String text, long at) {
    return new JournalEntry(0, processId, "default", contactId, null,
      new JsonObject().put("text", text).put("type", "text"), at, 0, null);
  }

  private static void finished(SqliteJournal journal, String processId, String contactId, String text, String reply,
                               long at) {
    Await.result(journal.append(entry(processId, contactId, text, at), 0));
    Await.result(journal.recordOutcome(new OutcomeRecord(processId, "processed", reply, null, at + 500, false)));
  }
}
