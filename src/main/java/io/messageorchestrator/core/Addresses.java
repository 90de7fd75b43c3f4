package io.messageorchestrator.core;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every event-bus address of the service, in one place. JSON requests that may cross nodes, and process answers, carry
 * the sender's format version ({@link WireFormat}).
 */
public final class Addresses {
  /**
   * Request {@code {contactId, message}}, reply: the result object. Served by one shard, which routes it to the
   * contact's shard in arrival order.
   */
  public static final String PROCESS = "orchestrator.process";
  /**
   * Request {@code {}}, reply: merged statistics of all shards. Node-local, like {@link #CONTACT_STATUS},
   * {@link #UNLOCK}, {@link #RESOLVE_DEADLOCKS}, {@link #CONTACT_PAUSE}, {@link #CONTACT_RESUME} and
   * {@link #BUSINESS_MESSAGE}: each node's admin verticle serves its own callers, and reaches every shard of the
   * cluster through the shards' cluster-wide addresses.
   */
  public static final String STATS = "orchestrator.stats";
  /** Request {@code {contactId}}, reply: {@code {contactId, locked, leaseAgeMs, queueSize, oldestWaitMs}}. */
  public static final String CONTACT_STATUS = "orchestrator.contact.status";
  /** Request {@code {contactId?}}, reply {@code {unlocked: n}}; without a contact every lease is released. */
  public static final String UNLOCK = "orchestrator.unlock";
  /** Request {@code {}}, reply {@code {resolved: n}}: run the stale-lease sweep on every shard now. */
  public static final String RESOLVE_DEADLOCKS = "orchestrator.deadlocks.resolve";
  /**
   * Request {@code {limit?, offset?}} (default 50, at most 500; offset default 0), reply
   * {@code {deadLetters: [...], limit, offset}}: dead letters, newest first. Served by the journal admin verticle.
   */
  public static final String DEAD_LETTERS_LIST = "orchestrator.deadLetters.list";
  /** Request {@code {processId}}, reply: the dead letter (message, outcome, reply); fails 404 if there is none. */
  public static final String DEAD_LETTERS_GET = "orchestrator.deadLetters.get";
  /** Request {@code {processId}}, reply {@code {deleted: true}}; fails 404 if there is no such dead letter. */
  public static final String DEAD_LETTERS_DELETE = "orchestrator.deadLetters.delete";
  /**
   * Request {@code {processId}}, reply {@code {replayed: true, replayOf, processId, deadLetterDeleted}}: the dead
   * letter's message is submitted again as a new message (new {@code processId}); the dead letter is deleted once it
   * is accepted. Fails 404 (no such dead letter), 409 (a replay of it is under way), 429/503 (refused).
   */
  public static final String DEAD_LETTERS_REPLAY = "orchestrator.deadLetters.replay";
  /**
   * Request {@code {contactId, account?}} ({@code account} default {@code default}), reply: everything the journal
   * keeps about the conversation ({@code {account, contactId, messages: [...], keys: [...]}}).
   */
  public static final String CONTACT_DATA_EXPORT = "orchestrator.contacts.data.export";
  /**
   * Request {@code {contactId, account?}}, reply: what was erased ({@code {account, contactId, messages: n,
   * keys: n}}): the conversation's messages, replies, history and dedup keys.
   */
  public static final String CONTACT_DATA_ERASE = "orchestrator.contacts.data.erase";
  /**
   * V3, request {@code {contactId, account?, ttl?, reason?}} ({@code ttl} ms, default {@code handoff.pauseTtl}),
   * reply {@code {paused: true, account, contactId, pausedAt, until, by: "operator", reason, held}}: the conversation
   * is paused for a human; its messages are held until it resumes. Fails 400 for a bad argument.
   */
  public static final String CONTACT_PAUSE = "orchestrator.contacts.pause";
  /**
   * V3, request {@code {contactId, account?}}, reply {@code {resumed, held, onResume?, processIds?, account,
   * contactId}}: the pause ends, its held messages go as {@code handoff.onResume} says; {@code resumed} is false when
   * it was not paused.
   */
  public static final String CONTACT_RESUME = "orchestrator.contacts.resume";
  /**
   * V3 (webhooks), request {@code {contactId, account?, providerMessageId?, text?}}: a message the business sent from
   * its own phone; reply {@code {paused, echo}}: it paused the conversation ({@code handoff.pauseOnBusinessReply}),
   * or it was the provider's echo of one of this service's replies.
   */
  public static final String BUSINESS_MESSAGE = "orchestrator.contacts.businessMessage";
  /** Events are published on this prefix followed by the event name, e.g. {@code orchestrator.events.lockAcquired}. */
  public static final String EVENTS_PREFIX = "orchestrator.events.";
  /** Agent workers (local only): one-way {@code AgentTask}s; each result goes to the task's {@code replyTo}. */
  public static final String AGENT = "orchestrator.agent";
  /** Published {@code processId} whose agent call must be interrupted (its lease ended). */
  public static final String AGENT_CANCEL = "orchestrator.agent.cancel";
  /**
   * Reply delivery (local only): request {@code {processId, contactId, account?, response, metadata?}} sends that
   * reply again (e.g. the replay of a reply dead letter); reply {@code {queued: true, processId}} once it is queued
   * behind the conversation's other replies, or a failure (400 invalid, 429 overloaded, 503 shutting down).
   */
  public static final String OUTBOUND_RESEND = "orchestrator.outbound.resend";

  private static final String SHARD_PREFIX = "orchestrator.shard.";
  /**
   * A shard's operation (with {@link #shard}): request {@code {account, contactId}} forgets the conversation's history
   * in memory (V4) once the journal erased its data (J12); reply {@code {history: n}} entries dropped.
   */
  public static final String SHARD_HISTORY_ERASE = "history.erase";

  private Addresses() {
  }

  /** Event addresses, built once: every message publishes several events. Bounded: names come from code. */
  private static final Map<String, String> EVENT_ADDRESSES = new ConcurrentHashMap<>();

  public static String event(String name) {
    Objects.requireNonNull(name, "event name");
    String address = EVENT_ADDRESSES.get(name);
    if (address == null) {
      address = EVENTS_PREFIX + name;
      if (EVENT_ADDRESSES.size() < 256) {
        EVENT_ADDRESSES.put(name, address);
      }
    }
    return address;
  }

  /** Every shard's {@code process} address, by shard index (built once by those who send many messages). */
  public static String[] shardProcessAddresses(int shardCount) {
    String[] addresses = new String[shardCount];
    for (int shard = 0; shard < shardCount; shard++) {
      addresses[shard] = shard(shard, "process");
    }
    return addresses;
  }

  /** Address of one shard's operation ({@code process}, {@code stats}, {@code status}, {@code unlock}, {@code deadlocks}). */
  public static String shard(int shard, String operation) {
    return SHARD_PREFIX + shard + "." + operation;
  }
}
