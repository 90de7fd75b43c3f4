package io.messageorchestrator.orchestrator;

import io.messageorchestrator.OrchestratorSuite;
import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.WireFormat;
import io.messageorchestrator.support.Await;
import io.messageorchestrator.support.SuiteExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * K4: the event bus's format version ({@link WireFormat}). A request without it is version 1 (what nodes sent before
 * it existed); a request of a newer version is read by the fields this version knows; what this node sends says its
 * version. (On a clustered bus: {@code ShardRouterClusterTest}.)
 */
@ExtendWith({VertxExtension.class, SuiteExtension.class})
@DisplayName("Event-bus format version")
class WireFormatTest {

  private static JsonObject v1Request() {
    return new JsonObject().put("account", "acct-1").put("contactId", "+15550000001").put("acceptOnly", true)
      .put("message", new JsonObject().put("text", "hi").put("messageId", "wamid.1").put("type", "text")
        .put("timestamp", 5L));
  }

  @Test
  @DisplayName("a process request without a format is version 1 and reads as before")
  void withoutFormatIsVersionOne() {
    JsonObject request = v1Request();
    assertThat(WireFormat.versionOf(request)).isEqualTo(1);
    ProcessRequest parsed = ProcessRequests.parse(request);
    assertThat(parsed.account()).isEqualTo("acct-1");
    assertThat(parsed.contactId()).isEqualTo("+15550000001");
    assertThat(parsed.acceptOnly()).isTrue();
    assertThat(parsed.message().messageId()).isEqualTo("wamid.1");
    assertThat(ProcessRequests.parse(WireFormat.stamp(v1Request()))).isEqualTo(parsed);
  }

  @Test
  @DisplayName("a process request of a newer format, with fields this version does not know (in the request and in"
    + " its message), is read by the fields it knows")
  void newerFormatReadByTheFieldsItKnows() {
    JsonObject newer = v1Request().put(WireFormat.FIELD, WireFormat.VERSION + 1).put("priority", "high");
    newer.getJsonObject("message").put("mood", "calm");
    assertThat(WireFormat.versionOf(newer)).isEqualTo(WireFormat.VERSION + 1);
    assertThat(ProcessRequests.parse(newer)).isEqualTo(ProcessRequests.parse(v1Request()));
  }

  @Test
  @DisplayName("a format that is not a whole number of at least 1 is a malformed request naming the field")
  void malformedFormatRefused() {
    for (Object bad : List.of("2", 0, -1, 1.5, true)) {
      assertThatThrownBy(() -> ProcessRequests.parse(v1Request().put(WireFormat.FIELD, bad))).as("%s", bad)
        .isInstanceOfSatisfying(InvalidRequestException.class,
          e -> assertThat(e.getMessage()).contains(WireFormat.FIELD));
    }
  }

  @Test
  @DisplayName("on a node: a JSON request of a newer format with unknown fields is processed and answered with this"
    + " node's format; the admin requests a node sends its shards carry its format")
  void nodeHandlesNewerRequestsAndStampsItsOwn(Vertx vertx, OrchestratorSuite suite) {
    JsonObject newer = new JsonObject().put(WireFormat.FIELD, 99).put("contactId", "+15550000002")
      .put("priority", "high").put("message", new JsonObject().put("text", "hello").put("mood", "calm"));
    JsonObject answer = Await.result(vertx.eventBus().<JsonObject>request(Addresses.PROCESS, newer)).body();
    assertThat(answer.getString("status")).isEqualTo("processed");
    assertThat(answer.getString("response")).isEqualTo("re:hello");
    assertThat(answer.getInteger(WireFormat.FIELD)).isEqualTo(WireFormat.VERSION);

    List<JsonObject> toShards = new CopyOnWriteArrayList<>();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (delivery.message().address().matches("orchestrator\\.shard\\.\\d+\\.(status|stats)")) {
        toShards.add((JsonObject) delivery.message().body());
      }
      delivery.next();
    });
    Await.result(suite.client().contactStatus("+15550000002"));
    Await.result(suite.client().getStats());
    assertThat(toShards).hasSizeGreaterThan(1)
      .allSatisfy(body -> assertThat(body.getInteger(WireFormat.FIELD)).isEqualTo(WireFormat.VERSION));
  }
}
