package io.messageorchestrator.journal;

/**
 * The journal could not write (disk full, broken file, database down). A caller whose message was not appended is
 * answered 503: the provider retries, nothing was accepted.
 */
public final class JournalUnavailableException extends RuntimeException {
  public JournalUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public JournalUnavailableException(String message) {
    super(message);
  }
}
