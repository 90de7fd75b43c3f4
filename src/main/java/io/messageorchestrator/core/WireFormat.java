package io.messageorchestrator.core;

import io.vertx.core.json.JsonObject;

/**
 * The format version of the JSON messages nodes send each other on the clustered event bus (K4). During a rolling
 * upgrade two versions of the service run side by side and talk to each other, so every request that may cross nodes
 * says which format its sender writes, in the field {@value #FIELD}:
 * <ul>
 *   <li>process requests ({@code orchestrator.process} and {@code orchestrator.shard.<i>.process}) and their JSON
 *       answers;</li>
 *   <li>requests to a shard's other operations ({@code orchestrator.shard.<i>.*}: status, unlock, pause, resume,
 *       businessMessage, replySent, deadlocks, stats, history.erase) and {@code OrchestratorClient}'s requests to the
 *       node-wide admin addresses.</li>
 * </ul>
 * Not stamped: the answers of admin operations (relayed verbatim to operators, whose API they are) and published
 * events (observations for subscribers and {@code /admin/events}; no node's logic reads another node's events).
 * Both follow the same additive rule.
 *
 * <p>The contract, for every version to come:
 * <ul>
 *   <li>A message without the field is version 1 (what nodes sent before the field existed).</li>
 *   <li>Evolution is additive: a newer version only adds optional fields. A reader handles messages of its own version
 *       or older, and reads a message of a newer version by the fields it knows, ignoring the others. So a field a
 *       newer node adds must be safe to ignore; a change an older node cannot ignore (a new value of an existing
 *       field, such as a new status) is only sent once no older node runs. A process answer a router cannot read at
 *       all fails that one request (500); it is never left unanswered.</li>
 *   <li>An answer is written for its request's version: the request's {@value #FIELD} tells the answering node what
 *       the requester can read.</li>
 *   <li>The field is a whole number, 1 or more; anything else is a malformed request (400).</li>
 * </ul>
 * Journal rows carry a format version of their own ({@code format} column of the PostgreSQL journal's
 * {@code messages}), under the same rule.
 */
public final class WireFormat {
  /** The format this build writes. Raise it when a release adds a field that some reader must tell apart. */
  public static final int VERSION = 1;
  /** The JSON field that carries it. */
  public static final String FIELD = "format";

  private WireFormat() {
  }

  /** {@code json} with this build's format; returns it. */
  public static JsonObject stamp(JsonObject json) {
    return json.put(FIELD, VERSION);
  }

  /**
   * The format {@code json} was written in: 1 when it does not say.
   *
   * @throws InvalidRequestException when the field is not a whole number of at least 1
   */
  public static int versionOf(JsonObject json) {
    Object value = json.getValue(FIELD);
    if (value == null) {
      return 1;
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte)
      || ((Number) value).longValue() < 1 || ((Number) value).longValue() > Integer.MAX_VALUE) {
      throw new InvalidRequestException(FIELD, FIELD + " must be a whole number of at least 1, got " + value);
    }
    return ((Number) value).intValue();
  }
}
