package io.messageorchestrator.webhook;

import io.messageorchestrator.core.InboundMessage;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.messageorchestrator.support.Fixtures.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TwilioWebhookTest {

  @Test
  void inboundMessage() {
    Map<String, List<String>> form = TwilioWebhook.parseForm(Buffer.buffer(fixture("twilio-whatsapp-inbound.form")));
    assertThat(form.get("From")).containsExactly("whatsapp:+14155550100");
    assertThat(form.get("Body")).containsExactly("Hello there");
    TwilioWebhook.Result result = TwilioWebhook.parse(form);
    assertThat(result.status()).isNull();
    assertThat(result.message().contactId()).isEqualTo("14155550100");
    InboundMessage inbound = result.message().message();
    assertThat(inbound.messageId()).isEqualTo("SM0123456789abcdef0123456789abcdef");
    assertThat(inbound.text()).isEqualTo("Hello there");
    assertThat(inbound.type()).isEqualTo("text");
    assertThat(inbound.metadata().getString("channel")).isEqualTo("twilio");
    assertThat(inbound.metadata().getString("profile_name")).isEqualTo("Jane Doe");
    assertThat(inbound.metadata().getString("to")).isEqualTo("whatsapp:+14155238886");
  }

  @Test
  void formDecodingHandlesPlusEscapesAndRepeats() {
    Map<String, List<String>> form = TwilioWebhook.parseForm(Buffer.buffer("a=1+2&b=%C3%A9&a=3&flag&&c="));
    assertThat(form.get("a")).containsExactly("1 2", "3");
    assertThat(form.get("b")).containsExactly("é");
    assertThat(form.get("flag")).containsExactly("");
    assertThat(form.get("c")).containsExactly("");
  }

  @Test
  void malformedFormsAreRejected() {
    for (String body : new String[] {"Body=%zz", "Body=%4", "Body=%C3", "Body=%FF"}) {
      assertThatThrownBy(() -> TwilioWebhook.parseForm(Buffer.buffer(body)))
        .isInstanceOfSatisfying(WebhookException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
    assertThatThrownBy(() -> TwilioWebhook.parseForm(Buffer.buffer(new byte[] {'a', '=', (byte) 0xFF})))
      .isInstanceOfSatisfying(WebhookException.class, e -> assertThat(e.code()).isEqualTo("invalid_encoding"));
  }

  @Test
  void missingFieldsAreNamed() {
    assertThatThrownBy(() -> TwilioWebhook.parse(TwilioWebhook.parseForm(Buffer.buffer("MessageSid=SM1&Body=hi"))))
      .isInstanceOfSatisfying(WebhookException.class, e -> assertThat(e.field()).isEqualTo("From"));
    assertThatThrownBy(() -> TwilioWebhook.parse(TwilioWebhook.parseForm(Buffer.buffer("From=whatsapp%3A%2B1"))))
      .isInstanceOfSatisfying(WebhookException.class, e -> assertThat(e.field()).isEqualTo("MessageSid"));
  }

  @Test
  void statusCallbackIsAStatus() {
    TwilioWebhook.Result result = TwilioWebhook.parse(TwilioWebhook.parseForm(Buffer.buffer(
      "MessageSid=SM1&MessageStatus=undelivered&To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886"
        + "&ErrorCode=63016")));
    assertThat(result.message()).isNull();
    assertThat(result.status().getString("status")).isEqualTo("undelivered");
    assertThat(result.status().getString("recipient_id")).isEqualTo("14155550100");
    assertThat(result.status().getJsonArray("errors").getJsonObject(0).getString("code")).isEqualTo("63016");
  }
}
