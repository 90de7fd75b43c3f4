package io.messageorchestrator.webhook;

/**
 * A webhook request the service refuses because of what the client sent: the HTTP status, the error code of the
 * {@code {"error": code, "message": ...}} body and, for a bad field, its path (e.g. {@code data.key.remoteJid}).
 */
public final class WebhookException extends RuntimeException {
  private final int status;
  private final String code;
  private final String field;

  public WebhookException(int status, String code, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** A 400 {@code invalid_field} naming {@code field}. */
  public static WebhookException invalidField(String field, String message) {
    return new WebhookException(400, "invalid_field", message, field);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** The offending field's path, or {@code null}. */
  public String field() {
    return field;
  }
}
