package io.messageorchestrator.crash;

import io.messageorchestrator.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two collaborators a crash test plays, hosted by the test process on one loopback port: a slow HTTP agent
 * ({@code processor.type=http}, {@code POST /agent/<generation>}) and the channel's reply gateway
 * ({@code outbound.type=http}, {@code POST /replies/<generation>}). Each service process is configured with its own
 * generation in the paths (0 before the kill, 1 after the restart), so every record says exactly which process
 * sent it, even a request of the killed process that is read after the kill.
 *
 * <p>Every agent call and every reply is recorded in arrival order. A contact's agent calls are strictly
 * sequential (its next call starts only after the orchestrator had the previous answer), so arrival order is the
 * contact's call order. Public for the {@code failover} benchmark ({@code io.messageorchestrator.bench}).
 */
public final class AgentAndReplySink implements AutoCloseable {

  /**
   * One agent call: what {@code HttpAgent} posts ({@code contactId, processId, message{text, messageId, ...}}),
   * received at {@code atNanos} and answered by this agent at {@code endNanos} ({@value #NOT_ANSWERED} until then).
   */
  public record Call(int sequence, int generation, String contactId, String processId, String messageId,
                     long atNanos, long endNanos) {
    /** Whether this call and {@code other} were both in progress at some instant (both answered). */
    boolean overlaps(Call other) {
      return atNanos < other.endNanos && other.atNanos < endNanos;
    }
  }

  /** {@link Call#endNanos} of a call the agent has not answered yet. */
  static final long NOT_ANSWERED = -1;

  /**
   * One reply: what {@code HttpCallbackReplySender} posts ({@code contactId, processId, inReplyTo, response}),
   * received at {@code atNanos}.
   */
  public record Reply(int sequence, int generation, String contactId, String processId, String inReplyTo,
                      String response, long atNanos) {
    /** The message this reply answers: the agent's answer names it ({@link #answerTo}), even in a recovered reply. */
    String messageId() {
      return response.startsWith(ANSWER_PREFIX) ? response.substring(ANSWER_PREFIX.length()) : null;
    }
  }

  private static final String ANSWER_PREFIX = "re: ";

  private final Vertx vertx;
  private final long agentDelayMs;
  private final List<Call> calls = new ArrayList<>();
  private final List<Reply> replies = new ArrayList<>();
  private final AtomicInteger callCount = new AtomicInteger();
  private final AtomicInteger replyCount = new AtomicInteger();
  private final HttpServer server;

  /** @param agentDelayMs how long the agent takes per call (a timer, no thread held) */
  public AgentAndReplySink(Vertx vertx, long agentDelayMs) {
    this.vertx = vertx;
    this.agentDelayMs = agentDelayMs;
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router.post("/agent/:generation").handler(this::onAgentCall);
    router.post("/replies/:generation").handler(this::onReply);
    server = Await.result(vertx.createHttpServer()
      // The killed process's connections are reset under the agent's late answers: expected, not worth a log line.
      .connectionHandler(connection -> connection.exceptionHandler(ignored -> { }))
      .requestHandler(router).listen(0, "127.0.0.1"));
  }

  /** The agent's URL for the service process of {@code generation}. */
  public String agentUrl(int generation) {
    return "http://127.0.0.1:" + server.actualPort() + "/agent/" + generation;
  }

  /** The reply gateway's URL for the service process of {@code generation}. */
  public String replyUrl(int generation) {
    return "http://127.0.0.1:" + server.actualPort() + "/replies/" + generation;
  }

  private void onAgentCall(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    JsonObject message = body.getJsonObject("message");
    String messageId = message.getString("messageId");
    int sequence;
    synchronized (calls) {
      sequence = calls.size();
      calls.add(new Call(sequence, generation(ctx), body.getString("contactId"), body.getString("processId"),
        messageId, System.nanoTime(), NOT_ANSWERED));
    }
    callCount.incrementAndGet();
    vertx.setTimer(agentDelayMs, id -> {
      // The end of the call as the orchestrator can know it: its next call for the contact may start only after it
      // read this answer (a killed caller never reads it).
      synchronized (calls) {
        Call call = calls.get(sequence);
        calls.set(sequence, new Call(call.sequence(), call.generation(), call.contactId(), call.processId(),
          call.messageId(), call.atNanos(), System.nanoTime()));
      }
      ctx.json(new JsonObject().put("response", answerTo(messageId)));
    });
  }

  private void onReply(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    synchronized (replies) {
      replies.add(new Reply(replies.size(), generation(ctx), body.getString("contactId"), body.getString("processId"),
        body.getString("inReplyTo"), body.getString("response"), System.nanoTime()));
    }
    replyCount.incrementAndGet();
    ctx.response().setStatusCode(200).end();
  }

  /** The agent's answer to a message: the reply the contact must receive. */
  static String answerTo(String messageId) {
    return ANSWER_PREFIX + messageId;
  }

  private static int generation(RoutingContext ctx) {
    return Integer.parseInt(ctx.pathParam("generation"));
  }

  public int callCount() {
    return callCount.get();
  }

  public int replyCount() {
    return replyCount.get();
  }

  public List<Call> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  /** The calls recorded from the {@code from}-th on (their {@link Call#sequence()} ≥ {@code from}). */
  public List<Call> callsFrom(int from) {
    synchronized (calls) {
      return List.copyOf(calls.subList(Math.min(from, calls.size()), calls.size()));
    }
  }

  /** The replies recorded from the {@code from}-th on. */
  public List<Reply> repliesFrom(int from) {
    synchronized (replies) {
      return List.copyOf(replies.subList(Math.min(from, replies.size()), replies.size()));
    }
  }

  public List<Reply> replies() {
    synchronized (replies) {
      return List.copyOf(replies);
    }
  }

  @Override
  public void close() {
    Await.result(server.close());
  }
}
