package io.messageorchestrator.orchestrator;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * V3: the replies this shard sent lately, per conversation, so that the provider's echo of one (Evolution reports the
 * service's own sends as {@code fromMe} messages, like the business's) is recognised and never pauses anything.
 *
 * <p>Kept in memory on the shard rather than read from the journal: the check runs for every business message and
 * must be a lookup on the shard's context (no journal read per message), and an echo arrives seconds after its reply.
 * Bounded: at most {@value #PER_CONVERSATION} replies per conversation and {@value #MAX_CONVERSATIONS}
 * conversations per shard (the oldest go first); an entry is recognised once and is useless after the echo window
 * (a provider id is kept as long as its entry: ids never collide). After a restart it is empty: the echo of a reply
 * sent just before it may pause the conversation (the operator resumes it).
 *
 * <p>Confined to the shard's context.
 */
final class SentReplies {
  static final int PER_CONVERSATION = 8;
  static final int MAX_CONVERSATIONS = 10_000;

  /** One reply: its text when it was decided (monotonic ms), its provider id once the provider accepted it. */
  private static final class Sent {
    final String processId;
    final String text;
    final long at;
    String providerId;

    Sent(String processId, String text, long at) {
      this.processId = processId;
      this.text = text;
      this.at = at;
    }
  }

  private final LinkedHashMap<String, ArrayDeque<Sent>> byConversation = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Sent>> eldest) {
      return size() > MAX_CONVERSATIONS;
    }
  };
  private final long echoWindow;

  /** @param echoWindow ms after a reply during which a business message with the same text is its echo */
  SentReplies(long echoWindow) {
    this.echoWindow = echoWindow;
  }

  /** A reply was decided (before delivery: its echo may overtake the provider's answer). */
  void replied(String conversationKey, String processId, String text, long now) {
    ArrayDeque<Sent> sent = byConversation.computeIfAbsent(conversationKey, key -> new ArrayDeque<>(2));
    if (sent.size() >= PER_CONVERSATION) {
      sent.pollFirst();
    }
    sent.addLast(new Sent(processId, text, now));
  }

  /** The provider accepted the reply {@code processId} and named it {@code providerId}. */
  void delivered(String conversationKey, String processId, String providerId, long now) {
    ArrayDeque<Sent> sent = byConversation.computeIfAbsent(conversationKey, key -> new ArrayDeque<>(2));
    for (Sent reply : sent) {
      if (reply.processId.equals(processId)) {
        reply.providerId = providerId;
        return;
      }
    }
    if (sent.size() >= PER_CONVERSATION) {
      sent.pollFirst();
    }
    Sent unknown = new Sent(processId, null, now); // a reply decided before a restart, or by another node
    unknown.providerId = providerId;
    sent.addLast(unknown);
  }

  /**
   * Whether a business message ({@code providerId}, {@code text}) of the conversation is the echo of one of its
   * replies: the same provider id, or the same text within the echo window. A recognised reply is forgotten (it
   * echoes once).
   */
  boolean consumeEcho(String conversationKey, String providerId, String text, long now) {
    ArrayDeque<Sent> sent = byConversation.get(conversationKey);
    if (sent == null) {
      return false;
    }
    Sent match = null;
    for (Sent reply : sent) {
      if (providerId != null && providerId.equals(reply.providerId)) {
        match = reply;
        break;
      }
    }
    if (match == null && text != null) {
      for (Sent reply : sent) {
        if (text.equals(reply.text) && now - reply.at <= echoWindow) {
          match = reply;
          break;
        }
      }
    }
    if (match == null) {
      return false;
    }
    Iterator<Sent> iterator = sent.iterator();
    while (iterator.hasNext()) {
      if (iterator.next() == match) {
        iterator.remove();
        break;
      }
    }
    if (sent.isEmpty()) {
      byConversation.remove(conversationKey);
    }
    return true;
  }

  int conversations() {
    return byConversation.size();
  }
}
