package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.ProcessRequest;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.eventbus.LocalCodec;
import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("ShardRouter on one node")
class ShardRouterTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("the request goes to its conversation's shard by reference (no JSON on one node), and the JSON form"
    + " round-trips a request and a result")
  void byReferenceOnOneNode() {
    LocalCodec.register(vertx, ProcessRequest.class);
    LocalCodec.register(vertx, ProcessResult.class);
    ShardRouter router = new ShardRouter(vertx, 4, 5_000);
    ProcessRequest request = new ProcessRequest("acct-1", "+15550000009",
      new InboundMessage("hi", "wamid-1", "text", 5L, null), true, "p-old");
    int shard = router.shardOf("acct-1", "+15550000009");
    AtomicReference<Object> received = new AtomicReference<>();
    Await.result(vertx.eventBus().consumer(Addresses.shard(shard, "process"), message -> {
      received.set(message.body());
      message.reply(ProcessResult.queued("p-2", 3));
    }).completion());

    assertThat(Await.result(router.submit(request))).isEqualTo(ProcessResult.queued("p-2", 3));
    assertThat(received.get()).isSameAs(request);

    ProcessResult result = ProcessResult.rejected("p-3", "queue_full", "full");
    assertThat(ProcessResult.fromJson(result.toJson())).isEqualTo(result);
    assertThat(request.toJson().getString("replayOf")).isEqualTo("p-old");
    assertThat(request.toJson().getString("account")).isEqualTo("acct-1");
    assertThat(request.toJson().getJsonObject("message").getString("messageId")).isEqualTo("wamid-1");
  }
}
