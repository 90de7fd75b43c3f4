package io.messageorchestrator.orchestrator;

/**
 * Node-wide shutdown state shared by the verticles of one suite: once draining starts, shards refuse new messages
 * ({@code shutting_down}) and readiness reports down.
 */
public final class Lifecycle {
  private volatile boolean ready;
  private volatile boolean draining;

  public boolean isReady() {
    return ready && !draining;
  }

  public boolean isDraining() {
    return draining;
  }

  public void markReady() {
    ready = true;
  }

  public void beginDraining() {
    draining = true;
  }
}
