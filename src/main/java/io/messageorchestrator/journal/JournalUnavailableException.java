package io.messageorchestrator.journal;

/**
 * The journal could not write (disk full, broken file, database down). A caller whose message was not appended is
 * answered 503: the provider retries, nothing was accepted. Its one subclass, {@link ShardFencedException}, says the
 * write was refused because another node owns the shard now.
 */
public class JournalUnavailableException extends RuntimeException {
  public JournalUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public JournalUnavailableException(String message) {
    super(message);
  }
}
