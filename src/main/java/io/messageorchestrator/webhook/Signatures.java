package io.messageorchestrator.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Provider request signatures. Every check compares in constant time and answers {@code false} (never throws) for a
 * missing or malformed header.
 */
public final class Signatures {
  /** Meta: {@code sha256=<hex HMAC-SHA256(app secret, raw body)>}. */
  public static final String META_HEADER = "X-Hub-Signature-256";
  /** Twilio: {@code Base64(HMAC-SHA1(auth token, url + params sorted by name, name + value))}. */
  public static final String TWILIO_HEADER = "X-Twilio-Signature";

  private static final String META_PREFIX = "sha256=";

  private Signatures() {
  }

  /** Whether {@code header} is Meta's signature of exactly these bytes. */
  public static boolean verifyMeta(String appSecret, byte[] rawBody, String header) {
    if (appSecret == null || appSecret.isEmpty() || rawBody == null || header == null || !header.startsWith(META_PREFIX)) {
      return false;
    }
    byte[] received;
    try {
      received = HexFormat.of().parseHex(header.substring(META_PREFIX.length()).trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(hmac("HmacSHA256", appSecret, rawBody), received);
  }

  /** The {@code X-Hub-Signature-256} value Meta would send for {@code rawBody}. */
  public static String metaSignature(String appSecret, byte[] rawBody) {
    return META_PREFIX + HexFormat.of().formatHex(hmac("HmacSHA256", appSecret, rawBody));
  }

  /**
   * Whether {@code header} is Twilio's signature of a form POST to {@code url}. Repeated parameters are signed in
   * value order, as Twilio's helper libraries do.
   */
  public static boolean verifyTwilio(String authToken, String url, Map<String, List<String>> params, String header) {
    if (authToken == null || authToken.isEmpty() || url == null || params == null || header == null) {
      return false;
    }
    byte[] received;
    try {
      received = Base64.getDecoder().decode(header.trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(Base64.getDecoder().decode(twilioSignature(authToken, url, params)), received);
  }

  /** The {@code X-Twilio-Signature} value Twilio would send. */
  public static String twilioSignature(String authToken, String url, Map<String, List<String>> params) {
    StringBuilder data = new StringBuilder(url);
    for (Map.Entry<String, List<String>> param : new TreeMap<>(params).entrySet()) {
      List<String> values = new ArrayList<>(param.getValue());
      values.sort(null);
      for (String value : values) {
        data.append(param.getKey()).append(value);
      }
    }
    return Base64.getEncoder().encodeToString(hmac("HmacSHA1", authToken, data.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** Compares two secrets without leaking where they differ; {@code null} equals nothing. */
  public static boolean safeEquals(String expected, String received) {
    if (expected == null || received == null) {
      return false;
    }
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), received.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(String algorithm, String key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(algorithm + " is unavailable", e);
    }
  }
}
