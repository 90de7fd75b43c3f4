package io.messageorchestrator.webhook;

import static io.messageorchestrator.support.Fixtures.fixture;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SignaturesTest {
  private static final JsonObject VECTORS = new JsonObject(Buffer.buffer(fixture("signature-test-vectors.json")));
  private static final JsonObject META = VECTORS.getJsonObject("meta");
  private static final JsonObject TWILIO = VECTORS.getJsonObject("twilio");

  @Test
  void metaVectorIsAccepted() {
    byte[] body = fixture(META.getString("file"));
    assertThat(body).hasSize(META.getInteger("raw_body_bytes"));
    assertThat(Signatures.verifyMeta(META.getString("app_secret"), body, META.getString("expected_header_value")))
      .isTrue();
    assertThat(Signatures.metaSignature(META.getString("app_secret"), body))
      .isEqualTo(META.getString("expected_header_value"));
  }

  @Test
  void metaHexIsCaseInsensitive() {
    byte[] body = fixture(META.getString("file"));
    String upper = "sha256=" + META.getString("expected_header_value").substring(7).toUpperCase();
    assertThat(Signatures.verifyMeta(META.getString("app_secret"), body, upper)).isTrue();
  }

  @Test
  void metaRejectsOneChangedByte() {
    byte[] body = fixture(META.getString("file"));
    body[body.length / 2] ^= 1;
    assertThat(Signatures.verifyMeta(META.getString("app_secret"), body, META.getString("expected_header_value")))
      .isFalse();
  }

  @Test
  void metaRejectsWrongSecretMissingHeaderWrongPrefixAndGarbage() {
    byte[] body = fixture(META.getString("file"));
    String header = META.getString("expected_header_value");
    String secret = META.getString("app_secret");
    assertThat(Signatures.verifyMeta("other_secret", body, header)).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, null)).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, "")).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, header.substring(7))).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, "sha1=" + header.substring(7))).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, "sha256=zz" + header.substring(9))).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, "sha256=abc")).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, header.substring(0, header.length() - 2))).isFalse();
    assertThat(Signatures.verifyMeta(secret, body, "sha256=")).isFalse();
    assertThat(Signatures.verifyMeta(null, body, header)).isFalse();
    assertThat(Signatures.verifyMeta("", body, header)).isFalse();
  }

  @Test
  void twilioVectorIsAccepted() {
    Map<String, List<String>> form = twilioForm();
    assertThat(Signatures.verifyTwilio(TWILIO.getString("auth_token"), TWILIO.getString("url"), form,
      TWILIO.getString("expected_header_value"))).isTrue();
    assertThat(Signatures.twilioSignature(TWILIO.getString("auth_token"), TWILIO.getString("url"), form))
      .isEqualTo(TWILIO.getString("expected_header_value"));
  }

  @Test
  void twilioRejectsChangedParameterUrlOrToken() {
    String token = TWILIO.getString("auth_token");
    String url = TWILIO.getString("url");
    String header = TWILIO.getString("expected_header_value");
    Map<String, List<String>> changed = twilioForm();
    changed.put("Body", List.of("Hello there!"));
    assertThat(Signatures.verifyTwilio(token, url, changed, header)).isFalse();
    Map<String, List<String>> extra = twilioForm();
    extra.put("Extra", List.of("1"));
    assertThat(Signatures.verifyTwilio(token, url, extra, header)).isFalse();
    assertThat(Signatures.verifyTwilio(token, url + "/", twilioForm(), header)).isFalse();
    assertThat(Signatures.verifyTwilio("other_token", url, twilioForm(), header)).isFalse();
  }

  @Test
  void twilioRejectsMissingOrMalformedHeader() {
    String token = TWILIO.getString("auth_token");
    String url = TWILIO.getString("url");
    assertThat(Signatures.verifyTwilio(token, url, twilioForm(), null)).isFalse();
    assertThat(Signatures.verifyTwilio(token, url, twilioForm(), "")).isFalse();
    assertThat(Signatures.verifyTwilio(token, url, twilioForm(), "not base64!")).isFalse();
    assertThat(Signatures.verifyTwilio(null, url, twilioForm(), TWILIO.getString("expected_header_value"))).isFalse();
  }

  @Test
  void twilioSignsParametersSortedByNameWhateverTheirOrder() {
    Map<String, List<String>> reversed = new LinkedHashMap<>();
    List<String> names = new ArrayList<>(twilioForm().keySet());
    for (int i = names.size() - 1; i >= 0; i--) {
      reversed.put(names.get(i), twilioForm().get(names.get(i)));
    }
    assertThat(Signatures.verifyTwilio(TWILIO.getString("auth_token"), TWILIO.getString("url"), reversed,
      TWILIO.getString("expected_header_value"))).isTrue();
  }

  @Test
  void safeEqualsComparesWholeValues() {
    assertThat(Signatures.safeEquals("token", "token")).isTrue();
    assertThat(Signatures.safeEquals("token", "toke")).isFalse();
    assertThat(Signatures.safeEquals("token", "tokens")).isFalse();
    assertThat(Signatures.safeEquals("token", null)).isFalse();
    assertThat(Signatures.safeEquals(null, "token")).isFalse();
  }

  private static Map<String, List<String>> twilioForm() {
    return TwilioWebhook.parseForm(Buffer.buffer(fixture(TWILIO.getString("file"))));
  }

}
