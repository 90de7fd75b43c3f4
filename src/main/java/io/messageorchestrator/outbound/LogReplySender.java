package io.messageorchestrator.outbound;

import io.messageorchestrator.core.ContactIds;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each reply and reports it delivered: for development and for deployments where callers poll results. At INFO
 * a line names the masked contact ({@link ContactIds#mask}), the process and the outcome, never the text; the text
 * is logged at DEBUG only ({@code LOG_LEVEL=DEBUG}), still with the masked contact.
 */
public final class LogReplySender implements ReplySender {
  private static final Logger LOG = LoggerFactory.getLogger(LogReplySender.class);

  @Override
  public Future<String> send(OutboundReply reply) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("Reply to contact {} (process {}, {}{}): {}", ContactIds.mask(reply.contactId()), reply.processId(),
        reply.outcome(), reply.fallback() ? ", fallback" : "", reply.response());
    } else {
      LOG.info("Reply to contact {} (process {}, {}{}, {} characters)", ContactIds.mask(reply.contactId()),
        reply.processId(), reply.outcome(), reply.fallback() ? ", fallback" : "", reply.response().length());
    }
    return Future.succeededFuture(null);
  }
}
