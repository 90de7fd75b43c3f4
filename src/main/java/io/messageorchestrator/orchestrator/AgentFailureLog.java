package io.messageorchestrator.orchestrator;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.ContactIds;
import io.messageorchestrator.core.Events;
import io.messageorchestrator.core.RateLimitedLog;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Agent failures and timeouts at WARN, taken from the shards' {@code processingError} / {@code processingTimeout}
 * events: at most one line per kind per {@code INTERVAL} (10 s), the next line counting those left out, so an agent
 * that fails every call cannot flood the log (the counts are in the statistics and metrics anyway).
 */
final class AgentFailureLog {
  static final Duration INTERVAL = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(AgentFailureLog.class);

  private final RateLimitedLog failures;
  private final RateLimitedLog timeouts;

  AgentFailureLog(LongSupplier nanoClock) {
    failures = new RateLimitedLog(LOG, INTERVAL, nanoClock);
    timeouts = new RateLimitedLog(LOG, INTERVAL, nanoClock);
  }

  /** Registers the two local consumers (shards publish on their own node); their futures complete when ready. */
  List<MessageConsumer<JsonObject>> register(EventBus eventBus) {
    return List.of(
      eventBus.<JsonObject>localConsumer(Addresses.event(Events.PROCESSING_ERROR), event -> failed(event.body())),
      eventBus.<JsonObject>localConsumer(Addresses.event(Events.PROCESSING_TIMEOUT), event -> timedOut(event.body())));
  }

  private void failed(JsonObject event) {
    failures.warn("Agent failed for contact {} (process {}): {}", ContactIds.mask(event.getString("contactId")),
      event.getValue("processId"), event.getValue("error"));
  }

  private void timedOut(JsonObject event) {
    timeouts.warn("Agent timed out for contact {} (process {}) after {} ms",
      ContactIds.mask(event.getString("contactId")), event.getValue("processId"), event.getValue("timeout"));
  }
}
