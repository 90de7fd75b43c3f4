package io.messageorchestrator.agent;

import io.messageorchestrator.core.InboundMessage;

/** The default processor: replies with the text it received, so the service works with nothing else installed. */
public final class EchoAgent implements AgentProcessor {
  @Override
  public AgentReply process(InboundMessage message, ProcessingContext context) {
    return AgentReply.of(message.text().isEmpty() ? "[" + message.type() + "]" : message.text());
  }
}
