package io.messageorchestrator.config;

import io.vertx.core.json.JsonObject;

/**
 * Secrets and switches of the provider webhooks ({@code /webhook/whatsapp}, {@code /webhook/evolution},
 * {@code /webhook/twilio}). A {@code null} secret means "not configured": the matching check is skipped, except the
 * Meta handshake, which is refused without a verify token.
 *
 * @param whatsappVerifyToken   {@code whatsapp.verifyToken}: expected {@code hub.verify_token} of the Meta handshake
 * @param whatsappAppSecret     {@code whatsapp.appSecret}: key of the {@code X-Hub-Signature-256} HMAC
 * @param evolutionApiKey       {@code evolution.apiKey}: expected {@code apikey} (body field or header)
 * @param evolutionAcceptGroups {@code evolution.acceptGroups}: process group messages ({@code @g.us}) too
 * @param webhookSecret         {@code webhook.secret}: shared secret of the generic {@code /webhook} endpoint
 * @param twilioAuthToken       {@code twilio.authToken}: key of the {@code X-Twilio-Signature} HMAC
 * @param twilioPublicUrl       {@code twilio.publicUrl}: the exact URL configured in Twilio, which the signature
 *                              covers; without it the request's own absolute URI is used (wrong behind a proxy)
 */
public record WebhookSettings(
  String whatsappVerifyToken,
  String whatsappAppSecret,
  String evolutionApiKey,
  boolean evolutionAcceptGroups,
  String webhookSecret,
  String twilioAuthToken,
  String twilioPublicUrl) {

  public WebhookSettings {
    whatsappVerifyToken = blankToNull(whatsappVerifyToken);
    whatsappAppSecret = blankToNull(whatsappAppSecret);
    evolutionApiKey = blankToNull(evolutionApiKey);
    webhookSecret = blankToNull(webhookSecret);
    twilioAuthToken = blankToNull(twilioAuthToken);
    twilioPublicUrl = blankToNull(twilioPublicUrl);
  }

  /** Nothing configured: signatures and API keys are not checked, the Meta handshake is refused. */
  public static WebhookSettings unconfigured() {
    return new WebhookSettings(null, null, null, false, null, null, null);
  }

  /** The configuration groups {@code whatsapp}, {@code evolution}, {@code webhook} and {@code twilio}. */
  public static JsonObject defaults() {
    return new JsonObject()
      .put("whatsapp", new JsonObject().put("verifyToken", "").put("appSecret", ""))
      .put("evolution", new JsonObject().put("apiKey", "").put("acceptGroups", false))
      .put("webhook", new JsonObject().put("secret", ""))
      .put("twilio", new JsonObject().put("authToken", "").put("publicUrl", ""));
  }

  /** Reads the groups of {@link #defaults()} from a configuration whose defaults are merged in already. */
  static WebhookSettings from(ConfigValues v) {
    return new WebhookSettings(
      v.optionalString("whatsapp.verifyToken"),
      v.optionalString("whatsapp.appSecret"),
      v.optionalString("evolution.apiKey"),
      v.booleanValue("evolution.acceptGroups"),
      v.optionalString("webhook.secret"),
      v.optionalString("twilio.authToken"),
      v.optionalString("twilio.publicUrl"));
  }

  /** Reads and validates {@code json}; missing keys take their defaults. */
  public static WebhookSettings from(JsonObject json) {
    JsonObject given = json == null ? new JsonObject() : json;
    ValueOrigins origins = ValueOrigins.object(given);
    KnownKeys.check(defaults(), given, origins.source());
    return from(new ConfigValues(defaults().mergeIn(given, true), origins));
  }

  /** Which secrets are set, never their values (safe to log). */
  @Override
  public String toString() {
    return "WebhookSettings[whatsappVerifyToken=" + mask(whatsappVerifyToken)
      + ", whatsappAppSecret=" + mask(whatsappAppSecret)
      + ", evolutionApiKey=" + mask(evolutionApiKey)
      + ", evolutionAcceptGroups=" + evolutionAcceptGroups
      + ", webhookSecret=" + mask(webhookSecret)
      + ", twilioAuthToken=" + mask(twilioAuthToken)
      + ", twilioPublicUrl=" + twilioPublicUrl + "]";
  }

  private static String mask(String secret) {
    return secret == null ? "unset" : "set";
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
