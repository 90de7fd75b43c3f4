package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Accounts;
import io.messageorchestrator.core.InboundMessage;
import io.messageorchestrator.core.InvalidRequestException;
import io.messageorchestrator.core.ProcessResult;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A conversation's key is (account, contact): the business number a message came to, and who wrote it. */
class ConversationKeyTest {

  private static InboundMessage to(String phoneNumberId, String text, String messageId) {
    return new InboundMessage(text, messageId, "text", System.currentTimeMillis(),
      new JsonObject().put("phone_number_id", phoneNumberId));
  }

  @Test
  @DisplayName("the same person writing to two business numbers has two conversations: processed side by side, each in its own order")
  void twoAccountsTwoLanes() {
    PlainShard shard = new PlainShard(new JsonObject());
    shard.send("5511999990000", to("111", "to the shop", null));
    shard.send("5511999990000", to("222", "to the clinic", null));
    assertThat(shard.agentCalls).extracting(lease -> lease.lane.account).containsExactly("111", "222");
    assertThat(shard.machine.contacts().size()).isEqualTo(2);
  }

  @Test
  @DisplayName("a provider message id is a duplicate only within its conversation")
  void dedupPerConversation() {
    PlainShard shard = new PlainShard(new JsonObject().put("lockTimeout", 0));
    shard.send("c", to("111", "hi", "wamid.1"));
    AtomicReference<ProcessResult> otherAccount = shard.send("c", to("222", "hi", "wamid.1"));
    AtomicReference<ProcessResult> sameAccount = shard.send("c", to("111", "hi", "wamid.1"));
    assertThat(otherAccount.get()).isNull(); // not a duplicate: it started, its answer comes with its result
    assertThat(shard.agentCalls).extracting(lease -> lease.lane.account).containsExactly("111", "222");
    assertThat(sameAccount.get().duplicate()).isTrue();
  }

  @Test
  @DisplayName("the account comes from the provider's metadata (Cloud API phone_number_id, Evolution instance, Twilio to), else 'default'")
  void accountFromMetadata() {
    assertThat(Accounts.of(to("106540352242922", "x", null))).isEqualTo("106540352242922");
    assertThat(Accounts.of(new InboundMessage("x", null, "text", 0, new JsonObject().put("instance", "sales"))))
      .isEqualTo("sales");
    assertThat(Accounts.of(new InboundMessage("x", null, "text", 0,
      new JsonObject().put("to", "whatsapp:+14155238886")))).isEqualTo("whatsapp:+14155238886");
    assertThat(Accounts.of(InboundMessage.text("x"))).isEqualTo(Accounts.DEFAULT);
    assertThat(Accounts.conversationKey(Accounts.DEFAULT, "c")).as("unchanged for the default account").isEqualTo("c");
    assertThat(Accounts.conversationKey("111", "c")).isNotEqualTo(Accounts.conversationKey("11", "1c"));
  }

  @Test
  @DisplayName("a given account must be a string of at most 128 characters; blank means 'default'")
  void givenAccountIsValidated() {
    assertThat(Accounts.require(" ")).isEqualTo(Accounts.DEFAULT);
    assertThat(Accounts.require("sales")).isEqualTo("sales");
    assertThatThrownBy(() -> Accounts.require(42)).isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> Accounts.require("x".repeat(129))).isInstanceOf(InvalidRequestException.class);
  }
}
