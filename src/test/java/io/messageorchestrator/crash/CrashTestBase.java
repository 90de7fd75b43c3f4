package io.messageorchestrator.crash;

import io.messageorchestrator.support.Poll;
import io.messageorchestrator.crash.AgentAndReplySink.Call;
import io.messageorchestrator.crash.AgentAndReplySink.Reply;
import io.messageorchestrator.crash.Traffic.Answer;
import io.messageorchestrator.crash.Traffic.Planned;
import io.messageorchestrator.crash.Traffic.Route;
import io.messageorchestrator.journal.Journal;
import io.messageorchestrator.journal.JournalEntry;
import io.messageorchestrator.journal.Recovery;
import io.messageorchestrator.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * J9, the hard promise the hard way: the service in a child JVM takes {@value #CONTACTS} contacts' messages through
 * {@code /webhook} and {@code /webhook/whatsapp}, is killed with SIGKILL while the senders are still sending and the
 * slow agent is mid-way, and is started again on the same journal. Then:
 * <ul>
 *   <li>no accepted message is lost: each was given to the agent and its reply reached the gateway, and the journal
 *   holds nothing unfinished or undelivered at the end;</li>
 *   <li>each contact's agent calls keep acceptance order across the crash; only the tail of what ran at the kill
 *   runs again (at-least-once), first thing after the restart;</li>
 *   <li>a provider's redelivery of an accepted id, after the restart, is answered {@code duplicate} and not
 *   processed again;</li>
 *   <li>every reply is delivered; a reply is delivered twice only if it was in flight at the kill (see
 *   {@link #assertSecondDeliveriesBounded}).</li>
 * </ul>
 * Subclasses choose the journal (SQLite file, PostgreSQL schema). The journal's state at the kill is read through
 * the {@link Journal} interface by the test itself (the service is dead then), which makes the checks exact.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
abstract class CrashTestBase {
  static final int CONTACTS = 300;
  static final int PER_CONTACT = 10;
  /** The kill comes once this many messages were accepted (the senders still have the rest to send)... */
  static final int KILL_AT_ACCEPTED = 2_000;
  /** ...and the agent saw at least this many calls (~30 % of the accepted ones: replies were flowing). */
  static final int KILL_AT_CALLS = 600;
  /** Messages 7 to 10 of each contact are sent from the kill on (7 × 300 ≥ {@link #KILL_AT_ACCEPTED}). */
  static final int GATED_FROM = 7;
  static final long AGENT_DELAY_MS = 25;
  static final int MAX_CONCURRENT_CONTACTS = 32;
  static final int REDELIVERED_SAMPLE = 100;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(20);

  @TempDir
  Path dir;
  Vertx vertx;
  private AgentAndReplySink endpoints;
  private Traffic traffic;
  private final List<ServiceProcess> processes = new ArrayList<>();

  /** The {@code journal} configuration group both service processes run on. */
  abstract JsonObject journalConfig();

  /** The same journal, opened by the test (only while no service process runs). */
  abstract Future<? extends Journal> openJournal();

  @BeforeEach
  void startCollaborators() {
    vertx = Vertx.vertx();
    endpoints = new AgentAndReplySink(vertx, AGENT_DELAY_MS);
    traffic = new Traffic(vertx, CONTACTS, PER_CONTACT);
  }

  /** Removes what the journal left outside the temporary folder (a PostgreSQL schema); no service runs then. */
  void dropJournal() {
  }

  @AfterEach
  void stopEverything() {
    processes.forEach(ServiceProcess::close);
    dropJournal();
    traffic.close();
    endpoints.close();
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("kill -9 mid-way, restart on the same journal: 0 accepted messages lost, per-contact order kept,"
    + " redeliveries answered duplicate, every reply delivered, second deliveries only for replies in flight")
  void killNineMidWayLosesNothing() {
    ServiceProcess first = start(0);
    // Each contact's last messages wait for the kill: on a fast, quiet machine the service could otherwise take all
    // 3,000 before the agent had its 600 calls, and the kill would find no sender sending.
    Promise<Void> killing = Promise.promise();
    Future<Void> sent = traffic.sendAll(first.baseUrl(), GATED_FROM, killing.future());
    Poll.until(KILL_AT_ACCEPTED + " messages accepted and " + KILL_AT_CALLS + " agent calls", SETTLE_TIMEOUT,
      () -> traffic.acceptedCount() >= KILL_AT_ACCEPTED && endpoints.callCount() >= KILL_AT_CALLS);
    killing.complete();
    int answeredAtKill = traffic.answeredCount();
    first.kill9();
    Await.result(sent, 60); // every sender got its answer or its connection error
    assertThat(answeredAtKill).as("the senders were still sending at the kill").isLessThan(traffic.planned());

    Recovery atKill = readJournal();
    Set<String> calledBeforeKill = processIds(endpoints.calls(), 0);
    Set<String> unfinished = atKill.unfinished().stream().map(JournalEntry::processId).collect(Collectors.toSet());
    Set<String> pendingReplies = atKill.replies().stream().map(Recovery.PendingReply::processId)
      .collect(Collectors.toSet());
    // Called by the killed process, no outcome committed: its call was in flight, or its outcome still queued.
    Set<String> calledWithoutOutcome = new HashSet<>(unfinished);
    calledWithoutOutcome.retainAll(calledBeforeKill);
    assertThat(unfinished).as("messages were waiting at the kill").isNotEmpty();
    assertThat(calledWithoutOutcome).as("agent calls had started and not finished in the journal at the kill")
      .isNotEmpty();

    long restartedAt = System.nanoTime();
    ServiceProcess second = start(1);
    long readyMs = (System.nanoTime() - restartedAt) / 1_000_000;
    List<Planned> accepted = traffic.accepted();
    Set<String> expectedAfterRestart = new HashSet<>(unfinished);
    expectedAfterRestart.addAll(pendingReplies);
    Poll.until("every accepted message has a reply and every recovered message and reply went out",
      SETTLE_TIMEOUT, () -> repliedMessageIds().containsAll(ids(accepted))
        && processIds(endpoints.replies(), 1).containsAll(expectedAfterRestart),
      () -> missing(accepted, unfinished, pendingReplies));
    long allProcessedMs = (System.nanoTime() - restartedAt) / 1_000_000;

    int callsBeforeRedelivery = endpoints.callCount();
    long duplicatesBefore = second.stats().getLong("totalDuplicates");
    List<Planned> sample = redeliverySample(accepted);
    List<HttpResponse<Buffer>> redelivered = Await.result(Future.all(sample.stream()
        .map(message -> traffic.send(second.baseUrl(), message)).toList())
      .map(all -> all.<HttpResponse<Buffer>>list()), 60);
    long duplicatesAfter = second.stats().getLong("totalDuplicates");

    second.terminate();
    assertThat(second.awaitExit(Duration.ofSeconds(60))).as("graceful stop after the test").isZero();
    Recovery atEnd = readJournal();

    List<Call> calls = endpoints.calls();
    List<Reply> replies = endpoints.replies();
    assertNothingLost(accepted, calls, replies, atEnd);
    assertOrderKept(calls);
    assertThat(processIds(calls, 1)).as("after the restart exactly the messages unfinished at the kill run again")
      .isEqualTo(unfinished);
    assertRedeliveriesAreDuplicates(sample, redelivered, duplicatesAfter - duplicatesBefore,
      calls.subList(callsBeforeRedelivery, calls.size()));
    int secondDeliveries = assertSecondDeliveriesBounded(replies, calledWithoutOutcome, pendingReplies);
    assertThat(processIds(replies, 1)).as("after the restart: the recovered messages' replies and the recovered"
      + " replies, nothing else").isEqualTo(expectedAfterRestart);

    System.out.println("crash-test " + getClass().getSimpleName() + ": " + new JsonObject()
      .put("messages", traffic.planned()).put("contacts", traffic.contacts())
      .put("accepted", accepted.size()).put("notAnswered", traffic.count(Answer.NO_ANSWER))
      .put("refused", traffic.count(Answer.REFUSED))
      .put("unfinishedAtKill", unfinished.size()).put("calledWithoutOutcomeAtKill", calledWithoutOutcome.size())
      .put("repliesPendingAtKill", pendingReplies.size()).put("secondDeliveries", secondDeliveries)
      .put("agentCalls", calls.size()).put("replies", replies.size())
      .put("restartToReadyMs", readyMs).put("restartToAllProcessedMs", allProcessedMs).encode());
  }

  /** Every accepted message went to the agent and has a reply (the agent's, not a fallback); nothing is left over. */
  private void assertNothingLost(List<Planned> accepted, List<Call> calls, List<Reply> replies, Recovery atEnd) {
    assertThat(accepted).as("accepted messages").hasSizeGreaterThanOrEqualTo(KILL_AT_ACCEPTED);
    Set<String> called = calls.stream().map(Call::messageId).collect(Collectors.toSet());
    assertThat(called).as("every accepted message was given to the agent").containsAll(ids(accepted));
    assertThat(repliedMessageIds()).as("every accepted message's reply was delivered").containsAll(ids(accepted));
    Map<String, String> messageIdOf = messageIdsByProcessId(calls);
    assertThat(replies.stream().filter(reply -> !reply.response().equals(
      AgentAndReplySink.answerTo(messageIdOf.get(reply.processId())))).toList())
      .as("replies that are not the agent's answer to their message (a fallback)").isEmpty();
    assertThat(atEnd.unfinished()).as("unfinished messages in the journal at the end").isEmpty();
    assertThat(atEnd.replies()).as("undelivered replies in the journal at the end").isEmpty();
  }

  /**
   * Per contact, each process's agent calls follow acceptance (= send) order, never calling a message twice. A
   * message may be called again by the restarted process (at-least-once) only before any new message of its
   * contact, and only the latest messages the killed process had called: their outcomes were not committed yet.
   * Usually that is the one call in flight at the kill; it can be two when the previous message's outcome was still
   * in the writer's queue (outcomes are grouped, not waited for — J4).
   */
  private void assertOrderKept(List<Call> calls) {
    Map<String, List<Call>> byContact = new LinkedHashMap<>();
    for (Call call : calls) {
      byContact.computeIfAbsent(traffic.planned(call.messageId()).contactId(), c -> new ArrayList<>()).add(call);
    }
    byContact.forEach((contact, contactCalls) -> {
      List<Integer> before = indexes(contactCalls, 0);
      List<Integer> after = indexes(contactCalls, 1);
      assertThat(before).as("contact %s: calls of the killed process in acceptance order", contact)
        .isSorted().doesNotHaveDuplicates();
      assertThat(after).as("contact %s: calls of the restarted process in acceptance order", contact)
        .isSorted().doesNotHaveDuplicates();
      List<Integer> repeated = after.stream().filter(before::contains).toList();
      assertThat(after.subList(0, repeated.size())).as("contact %s: messages called again come first", contact)
        .isEqualTo(repeated);
      assertThat(before.subList(before.size() - repeated.size(), before.size()))
        .as("contact %s: only the latest calls of the killed process run again", contact).isEqualTo(repeated);
    });
  }

  private List<Integer> indexes(List<Call> calls, int generation) {
    return calls.stream().filter(call -> call.generation() == generation)
      .map(call -> traffic.planned(call.messageId()).index()).toList();
  }

  /**
   * {@code /webhook} answers each redelivered id {@code duplicate}; {@code /webhook/whatsapp} answers 200 for both
   * (the provider must stop retrying), so its duplicates are counted through {@code totalDuplicates}. None of them
   * reached the agent again (every earlier message had been processed before they were sent).
   */
  private void assertRedeliveriesAreDuplicates(List<Planned> sample, List<HttpResponse<Buffer>> answers,
                                               long duplicatesCounted, List<Call> callsAfterRedelivery) {
    for (int i = 0; i < sample.size(); i++) {
      Planned message = sample.get(i);
      HttpResponse<Buffer> answer = answers.get(i);
      assertThat(answer.statusCode()).as("redelivery of %s", message.messageId()).isEqualTo(200);
      if (message.route() == Route.WEBHOOK) {
        assertThat(answer.bodyAsJsonObject().getString("status")).as("redelivery of %s", message.messageId())
          .isEqualTo("duplicate");
      }
    }
    assertThat(duplicatesCounted).as("duplicates counted by the restarted service").isEqualTo(sample.size());
    Set<String> sampleIds = new HashSet<>(ids(sample));
    assertThat(callsAfterRedelivery).as("agent calls for redelivered ids").noneMatch(call ->
      sampleIds.contains(call.messageId()));
  }

  /**
   * A reply reaches the gateway twice only when the killed process had delivered it but the journal did not say so
   * yet. Both cases are visible in the journal as the kill left it:
   * <ul>
   *   <li>the message had no outcome although the agent had been called (its call was in flight, or its outcome was
   *   still in the writer's queue — and its reply may already have gone out): it runs again and is answered
   *   again;</li>
   *   <li>the outcome was committed but the reply not marked delivered (it was being sent, or its delivered mark was
   *   still queued): it is delivered again.</li>
   * </ul>
   * So the bound is: messages called without an outcome committed at the kill + replies pending at the kill, and
   * each twice-delivered reply must be one of those — never a reply the journal had as delivered, never one
   * delivered three times.
   */
  private static int assertSecondDeliveriesBounded(List<Reply> replies, Set<String> calledWithoutOutcome,
                                                   Set<String> pendingReplies) {
    Map<String, Long> perProcess = replies.stream()
      .collect(Collectors.groupingBy(Reply::processId, Collectors.counting()));
    Set<String> twice = perProcess.entrySet().stream().filter(entry -> entry.getValue() > 1)
      .map(Map.Entry::getKey).collect(Collectors.toSet());
    assertThat(perProcess.values()).as("no reply delivered more than twice").allMatch(count -> count <= 2);
    Set<String> inFlight = new HashSet<>(calledWithoutOutcome);
    inFlight.addAll(pendingReplies);
    assertThat(inFlight).as("replies delivered twice were all in flight at the kill").containsAll(twice);
    assertThat(twice.size()).isLessThanOrEqualTo(calledWithoutOutcome.size() + pendingReplies.size());
    Map<String, Set<Integer>> generations = new HashMap<>();
    replies.forEach(reply -> generations.computeIfAbsent(reply.processId(), p -> new HashSet<>())
      .add(reply.generation()));
    assertThat(twice).as("a second delivery comes from the restarted process, never twice from one process")
      .allMatch(processId -> generations.get(processId).size() == 2);
    return twice.size();
  }

  /** Half the sample from each route, spread over the contacts. */
  private static List<Planned> redeliverySample(List<Planned> accepted) {
    List<Planned> sample = new ArrayList<>();
    for (Route route : Route.values()) {
      List<Planned> ofRoute = accepted.stream().filter(message -> message.route() == route).toList();
      int step = Math.max(1, ofRoute.size() / (REDELIVERED_SAMPLE / 2));
      for (int i = 0; i < ofRoute.size() && sample.size() < (route.ordinal() + 1) * (REDELIVERED_SAMPLE / 2);
           i += step) {
        sample.add(ofRoute.get(i));
      }
    }
    assertThat(sample).hasSize(REDELIVERED_SAMPLE);
    return sample;
  }

  private ServiceProcess start(int generation) {
    ServiceProcess process = ServiceProcess.start(dir, "service-" + generation, serviceConfig(generation));
    processes.add(process);
    try {
      return process.awaitReady(START_TIMEOUT);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + process.describe(), e);
    }
  }

  /**
   * The service under test. {@code lockTimeout} 0: {@code /webhook} answers {@code queued} at once for a message
   * that cannot start at once, so senders are not held by the slow agent. Few agent calls at once
   * ({@code maxConcurrentContacts}) keep the agent the bottleneck: messages queue up, as they do under real load.
   */
  private JsonObject serviceConfig(int generation) {
    return new JsonObject()
      .put("shards", 2)
      .put("lockTimeout", 0)
      .put("processingTimeout", 15_000)
      .put("maxQueueSize", 1_000)
      .put("maxConcurrentContacts", MAX_CONCURRENT_CONTACTS)
      .put("shutdownGracePeriod", 10_000)
      .put("events", new JsonObject().put("steps", false))
      .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
      .put("processor", new JsonObject().put("type", "http").put("url", endpoints.agentUrl(generation)))
      .put("outbound", new JsonObject().put("type", "http").put("url", endpoints.replyUrl(generation))
        .put("timeout", 5_000))
      .put("journal", journalConfig());
  }

  /** What the restarted service has not done yet, for a timeout's message. */
  private String missing(List<Planned> accepted, Set<String> unfinished, Set<String> pendingReplies) {
    Set<String> replied = repliedMessageIds();
    Set<String> repliedAfterRestart = processIds(endpoints.replies(), 1);
    return new JsonObject()
      .put("acceptedWithoutReply", accepted.stream().filter(message -> !replied.contains(message.messageId())).count())
      .put("unfinishedAtKillWithoutReply", unfinished.stream().filter(id -> !repliedAfterRestart.contains(id)).count())
      .put("pendingAtKillNotRedelivered", pendingReplies.stream().filter(id -> !repliedAfterRestart.contains(id))
        .count())
      .put("unfinishedAtKill", unfinished.size()).put("pendingAtKill", pendingReplies.size())
      .put("agentCalls", endpoints.callCount()).put("replies", endpoints.replyCount()).encode();
  }

  private Recovery readJournal() {
    Journal journal = Await.result(openJournal(), 30);
    try {
      return Await.result(journal.recover(), 30);
    } finally {
      Await.result(journal.close(), 30);
    }
  }

  /**
   * The messages that have a reply. A reply is matched to its message by processId (fixed at acceptance, the agent
   * saw it with the message id), not by {@code inReplyTo}: a reply recovered from the journal is sent without it.
   */
  private Set<String> repliedMessageIds() {
    Map<String, String> messageIdOf = messageIdsByProcessId(endpoints.calls());
    return endpoints.replies().stream().map(reply -> messageIdOf.get(reply.processId())).filter(Objects::nonNull)
      .collect(Collectors.toSet());
  }

  private static Map<String, String> messageIdsByProcessId(List<Call> calls) {
    Map<String, String> messageIdOf = new HashMap<>();
    calls.forEach(call -> messageIdOf.put(call.processId(), call.messageId()));
    return messageIdOf;
  }

  private static Set<String> processIds(List<? extends Record> records, int generation) {
    return records.stream().flatMap(record -> switch (record) {
      case Call call when call.generation() == generation -> Stream.of(call.processId());
      case Reply reply when reply.generation() == generation -> Stream.of(reply.processId());
      default -> Stream.empty();
    }).collect(Collectors.toSet());
  }

  private static List<String> ids(List<Planned> messages) {
    return messages.stream().map(Planned::messageId).toList();
  }
}
