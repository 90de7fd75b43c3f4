package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ProcessResult;
import io.messageorchestrator.core.RejectReason;
import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("a shard handed off answers shard_moved on its process address for a while")
class MovedShardAnswerTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("a request to the moved shard's process address is answered rejected / shard_moved (an answer the"
    + " router sends again to the next owner), not dropped; once closed, nothing answers there")
  void answersShardMovedUntilClosed() {
    String address = Addresses.shard(3, "process");
    MovedShardAnswer answer = Await.result(MovedShardAnswer.register(vertx, 3));

    ProcessResult result = ProcessResult.fromJson(Await.result(vertx.eventBus().<JsonObject>request(address,
      new JsonObject().put("contactId", "+5511999").put("message", new JsonObject().put("text", "hi"))))
      .body());
    assertThat(result.status()).isEqualTo(ProcessResult.Status.REJECTED);
    assertThat(result.reason()).isEqualTo(RejectReason.SHARD_MOVED.label());
    assertThat(RejectReason.isOwnerMoving(result.reason())).as("the router's cue to send it again").isTrue();

    Await.result(answer.close());
    assertThatThrownBy(() -> Await.result(vertx.eventBus().<JsonObject>request(address, new JsonObject())
      .map(Message::body)))
      .hasCauseInstanceOf(ReplyException.class)
      .satisfies(thrown -> assertThat(((ReplyException) thrown.getCause()).failureType())
        .isEqualTo(ReplyFailure.NO_HANDLERS));
  }
}
