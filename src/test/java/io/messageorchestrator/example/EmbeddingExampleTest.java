package io.messageorchestrator.example;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.agent.AgentReply;
import io.messageorchestrator.support.Await;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the README's embedding example and checks that the README shows its code verbatim. */
@ExtendWith(VertxExtension.class)
class EmbeddingExampleTest {
  private static final Path EXAMPLE = Path.of("src/test/java/io/messageorchestrator/example/EmbeddedApplication.java");

  @Test
  @DisplayName("an application deploys the orchestrator with ConfigLoader + OrchestratorSuite.deploy, sends orchestrator.process from its own verticle and gets every reply as an event")
  void embeddedApplicationWorks(Vertx vertx, @TempDir Path dir) throws IOException {
    Path configFile = dir.resolve("orchestrator.json");
    // The default journal (SQLite), in this test's own folder.
    Files.writeString(configFile, new JsonObject().put("shards", 2).put("shutdownGracePeriod", 1000)
      .put("journal", new JsonObject().put("path", dir.resolve("data/orchestrator.db").toString())).encode());
    List<JsonObject> sent = new CopyOnWriteArrayList<>();
    Promise<Void> threeSent = Promise.promise();
    EmbeddedApplication application = new EmbeddedApplication(reply -> {
      sent.add(reply);
      if (sent.size() == 3) {
        threeSent.complete();
      }
    });

    OrchestratorSuite orchestrator = Await.result(EmbeddedApplication.deploy(vertx, configFile.toString(),
      (message, context) -> AgentReply.of("You said: " + message.text()), application));
    assertThat(orchestrator.config().shards()).as("read from the file").isEqualTo(2);

    JsonObject first = Await.result(application.onCustomerMessage("5511999990000", "hello", "wamid.1"));
    JsonObject again = Await.result(application.onCustomerMessage("5511999990000", "hello", "wamid.1"));
    Await.result(application.onCustomerMessage("5511999990000", "how much is it?", "wamid.2"));
    Await.result(application.onCustomerMessage("5511888880000", "hi", "wamid.3"));
    Await.result(threeSent.future());
    Await.result(orchestrator.stop()); // first the orchestrator: it drains and announces the last replies

    assertThat(first.getString("status")).isEqualTo("processed");
    assertThat(first.getString("response")).isEqualTo("You said: hello");
    assertThat(again.getBoolean("duplicate")).isTrue();
    assertThat(sent).filteredOn(reply -> reply.getString("to").equals("5511999990000"))
      .extracting(reply -> reply.getString("text")).containsExactly("You said: hello", "You said: how much is it?");
    assertThat(sent).filteredOn(reply -> reply.getString("to").equals("5511888880000"))
      .extracting(reply -> reply.getString("text")).containsExactly("You said: hi");
  }

  @Test
  @DisplayName("the README's embedding section shows the example's code verbatim")
  void readmeShowsTheExample() throws IOException {
    List<String> lines = Files.readAllLines(EXAMPLE);
    String excerpt = lines.subList(lines.indexOf("// tag::embed[]") + 1, lines.indexOf("// end::embed[]")).stream()
      .collect(Collectors.joining("\n"));

    assertThat(Files.readString(Path.of("README.md"))).contains(excerpt);
  }
}
