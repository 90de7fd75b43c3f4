package io.messageorchestrator.outbound;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HttpRepliesTest {

  @Test
  @DisplayName("Retry-After is read in delta-seconds; dates and garbage are ignored")
  void retryAfterHeader() {
    assertThat(HttpReplies.retryAfterMs("3")).isEqualTo(3_000);
    assertThat(HttpReplies.retryAfterMs(null)).isEqualTo(-1);
    assertThat(HttpReplies.retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(-1);
  }

  @Test
  @DisplayName("the provider's id of a sent reply is read from its answer (Cloud API messages[0].id, Evolution"
    + " key.id), null when it names none")
  void providerIdsOfSentReplies() {
    assertThat(WhatsAppCloudReplySender.providerId(new io.vertx.core.json.JsonObject(io.vertx.core.buffer.Buffer
      .buffer(io.messageorchestrator.support.Fixtures.fixture("meta-cloud-send-text-response.json")))))
      .isEqualTo("wamid.TESTOUTBOUND000000000000000000000000001");
    assertThat(EvolutionReplySender.providerId(new io.vertx.core.json.JsonObject(io.vertx.core.buffer.Buffer
      .buffer(io.messageorchestrator.support.Fixtures.fixture("evolution-send-text-response.json")))))
      .isEqualTo("BAE594145F4C59B4");
    assertThat(WhatsAppCloudReplySender.providerId(null)).isNull();
    assertThat(EvolutionReplySender.providerId(new io.vertx.core.json.JsonObject().put("key", "x"))).isNull();
    assertThat(WhatsAppCloudReplySender.providerId(new io.vertx.core.json.JsonObject()
      .put("messages", new io.vertx.core.json.JsonArray()))).isNull();
  }
}
