package io.messageorchestrator.outbound;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs each reply and reports it delivered: for development and for deployments where callers poll results. */
public final class LogReplySender implements ReplySender {
  private static final Logger LOG = LoggerFactory.getLogger(LogReplySender.class);

  @Override
  public Future<Void> send(OutboundReply reply) {
    LOG.info("Reply to contact {} (process {}, {}{}): {}", reply.contactId(), reply.processId(), reply.outcome(),
      reply.fallback() ? ", fallback" : "", reply.response());
    return Future.succeededFuture();
  }
}
