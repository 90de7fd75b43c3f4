package io.messageorchestrator.config;

/** An invalid setting. The message always names the offending key, so start-up failures are actionable. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
