package io.messageorchestrator.core;

/** A caller's mistake (missing or mistyped field). Mapped to HTTP 400 / event-bus failure code 400. */
public final class InvalidRequestException extends RuntimeException {
  private final String field;

  public InvalidRequestException(String field, String message) {
    super(message, null, false, false);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
