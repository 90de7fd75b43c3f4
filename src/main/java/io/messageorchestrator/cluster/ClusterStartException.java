package io.messageorchestrator.cluster;

/** The node could not join its cluster; the message names the address and the settings to look at. */
public final class ClusterStartException extends RuntimeException {
  public ClusterStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
