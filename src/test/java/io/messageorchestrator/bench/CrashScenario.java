package io.messageorchestrator.bench;

import io.messageorchestrator.Main;
import io.messageorchestrator.config.EnvironmentOverrides;
import io.messageorchestrator.config.OrchestratorConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * crash: the packaged service's {@link Main} in a child JVM (test classpath, {@code -Xmx256m}) on a SQLite journal,
 * with an {@code http} agent (20 ms per message) and an {@code http} reply sink, both served by this JVM. 200
 * contacts × 10 messages are posted to {@code /webhook/whatsapp} as Meta sends them (its 200 comes once the message is
 * committed), each contact's in order; when half of them have been accepted the child is killed with SIGKILL, then started again on the same journal. Every message answered 200 before the kill is <b>accepted</b>;
 * each must reach the agent and have its reply delivered after the restart: {@code lost} counts the accepted
 * messages whose reply never came (within 60 s), and must be 0 ({@code ok: false} otherwise). Agent calls and
 * deliveries made twice (the calls in flight at the kill: at-least-once) are reported, as is the agent's
 * per-contact order after the restart.
 */
final class CrashScenario {
  static final int CONTACTS = 200;
  static final int PER_CONTACT = 10;
  static final long AGENT_MS = 20;
  static final int CONNECTIONS = 32;
  static final int TEXT_LENGTH = 64;
  static final long WAIT_MS = 60_000;
  private static final Pattern READY = Pattern.compile("message-orchestrator ready: .*HTTP on port (\\d+)");

  private CrashScenario() {
  }

  static Result run() throws Exception {
    Path folder = BenchJournals.sqliteFolder("crash");
    Vertx vertx = Vertx.vertx();
    try {
      return new Run(vertx, folder).execute();
    } finally {
      Harness.await(vertx.close(), 30_000);
      BenchJournals.delete(folder);
    }
  }

  private static final class Run {
    final Vertx vertx;
    final Path folder;
    final int total = CONTACTS * PER_CONTACT;
    final AtomicIntegerArray accepted = new AtomicIntegerArray(total);
    final AtomicIntegerArray agentCalls = new AtomicIntegerArray(total);
    final AtomicIntegerArray delivered = new AtomicIntegerArray(total);
    /** Per contact, the last sequence number the agent saw + 1, in the second life only. */
    final AtomicIntegerArray lastSeqAfterRestart = new AtomicIntegerArray(CONTACTS);
    final AtomicLong outOfOrderAfterRestart = new AtomicLong();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger deliveries = new AtomicInteger();
    final AtomicLong non200 = new AtomicLong();
    final AtomicLong failedRequests = new AtomicLong();
    volatile boolean restarted;
    volatile CompletableFuture<Void> killPoint = new CompletableFuture<>();
    final AtomicInteger acceptedSoFar = new AtomicInteger();
    final int killAfterAccepted = CONTACTS * PER_CONTACT / 2;
    volatile CompletableFuture<Void> allDelivered = new CompletableFuture<>();
    volatile int deliveredAccepted;
    volatile int acceptedCount = Integer.MAX_VALUE;

    Run(Vertx vertx, Path folder) {
      this.vertx = vertx;
      this.folder = folder;
    }

    Result execute() throws Exception {
      HttpServer server = Harness.await(vertx.createHttpServer().requestHandler(request -> request.body()
        .onSuccess(body -> {
          JsonObject json = body.toJsonObject();
          if (request.path().equals("/agent")) {
            String text = json.getJsonObject("message").getString("text");
            agentCalled(text);
            vertx.setTimer(AGENT_MS, id -> request.response().putHeader("Content-Type", "application/json")
              .end(new JsonObject().put("response", text).encode()));
          } else {
            replyDelivered(json.getString("response"));
            request.response().setStatusCode(200).end();
          }
        })).listen(0, "127.0.0.1"), 30_000);
      JsonObject config = new JsonObject()
        .put("lockTimeout", 0).put("maxConcurrentContacts", CONTACTS).put("maxQueueSize", PER_CONTACT)
        .put("shutdownGracePeriod", 1_000).put("shards", 2)
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0).put("instances", 1))
        .put("processor", new JsonObject().put("type", "http")
          .put("url", "http://127.0.0.1:" + server.actualPort() + "/agent"))
        .put("outbound", new JsonObject().put("type", "http")
          .put("url", "http://127.0.0.1:" + server.actualPort() + "/replies"))
        .put("journal", BenchJournals.sqlite(folder));
      Path conf = Files.writeString(folder.resolve("config.json"), config.encodePrettily());
      Child first = Child.start(folder, conf, "first");
      long killedAt;
      long acceptedAtKill;
      int callsAtKill;
      try {
        int port = first.awaitPort();
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(CONNECTIONS).setMaxWaitQueueSize(-1));
        long burstStart = System.nanoTime();
        for (int contact = 0; contact < CONTACTS; contact++) {
          postInOrder(client, port, contact, 0);
        }
        long progress = vertx.setPeriodic(500, id -> System.err.printf("bench: crash: %.0f ms: %d accepted, %d agent calls, %d delivered%n",
          (System.nanoTime() - burstStart) / 1e6, count(accepted), calls.get(), deliveries.get()));
        waitFor(killPoint, WAIT_MS);
        vertx.cancelTimer(progress);
        callsAtKill = calls.get();
        first.process.destroyForcibly(); // SIGKILL
        first.process.waitFor(30, TimeUnit.SECONDS);
        killedAt = System.nanoTime();
        // Answers that were already read count; nothing can be accepted any more.
        Harness.await(client.close(), 30_000);
        acceptedAtKill = count(accepted);
        System.err.printf("bench: crash: killed after %.0f ms, %d accepted, %d agent calls%n",
          (killedAt - burstStart) / 1e6, acceptedAtKill, callsAtKill);
      } finally {
        first.process.destroyForcibly();
      }
      int deliveredBeforeRestart = deliveries.get();
      long acceptedDeliveredBefore = countAcceptedDelivered();
      acceptedCount = (int) acceptedAtKill;
      restarted = true;
      Child second = Child.start(folder, conf, "second");
      long restartAt = System.nanoTime();
      boolean allCame;
      double readyMs;
      try {
        second.awaitPort();
        readyMs = (System.nanoTime() - restartAt) / 1e6;
        checkAllDelivered();
        allCame = waitFor(allDelivered, WAIT_MS);
        // A moment for replies the journal sends twice (reported, not a loss): none is waited for beyond this.
      } finally {
        second.process.destroyForcibly();
        second.process.waitFor(30, TimeUnit.SECONDS);
        Harness.await(server.close(), 30_000);
      }
      double restartToAllMs = (System.nanoTime() - restartAt) / 1e6;
      long acceptedDelivered = countAcceptedDelivered();
      long lost = acceptedAtKill - acceptedDelivered;
      long acceptedNeverCalled = 0;
      long twiceCalled = 0;
      long twiceDelivered = 0;
      long unacknowledgedProcessed = 0;
      for (int i = 0; i < total; i++) {
        if (accepted.get(i) > 0 && agentCalls.get(i) == 0) {
          acceptedNeverCalled++;
        }
        if (agentCalls.get(i) > 1) {
          twiceCalled++;
        }
        if (delivered.get(i) > 1) {
          twiceDelivered++;
        }
        if (accepted.get(i) == 0 && delivered.get(i) > 0) {
          unacknowledgedProcessed++;
        }
      }
      Result result = new Result("crash")
        .counts(total, lost, new JsonObject().put("accepted", acceptedAtKill)
          .put("acceptedAndDelivered", acceptedDelivered).put("lost", lost))
        .wall(restartToAllMs)
        .target("kill -9 mid-burst, restart on the same SQLite journal: lost 0 (every message answered 200 gets its "
          + "reply; ok: false otherwise)")
        .check(allCame, "not every accepted message's reply came within " + WAIT_MS + " ms of the restart");
      if (lost > 0) {
        result.violation(lost + " accepted message(s) lost across the kill -9 (no reply within " + WAIT_MS + " ms)");
      }
      if (outOfOrderAfterRestart.get() > 0) {
        result.violation(outOfOrderAfterRestart.get() + " agent call(s) out of per-contact order after the restart");
      }
      if (acceptedAtKill == 0) {
        result.violation("nothing was accepted before the kill: the scenario measured nothing");
      }
      return result.detail("lost", lost)
        .detail("accepted", acceptedAtKill)
        .detail("agentCallsAtKill", callsAtKill)
        .detail("repliesDeliveredBeforeKill", deliveredBeforeRestart)
        .detail("acceptedDeliveredBeforeKill", acceptedDeliveredBefore)
        .detail("acceptedNeverCalled", acceptedNeverCalled)
        .detail("agentCalledTwice", twiceCalled)
        .detail("deliveredTwice", twiceDelivered)
        .detail("processedButNotAcknowledged", unacknowledgedProcessed)
        .detail("requestsFailedByTheKill", failedRequests.get())
        .detail("non200", non200.get())
        .detail("restartToReadyMs", Math.round(readyMs))
        .detail("restartToAllDeliveredMs", Math.round(restartToAllMs))
        .detail("config", config);
    }

    /** Posts the contact's message {@code seq}, and its next one once this one is answered. */
    private void postInOrder(HttpClientAgent client, int port, int contact, int seq) {
      if (seq >= PER_CONTACT || killPoint.isDone()) {
        return;
      }
      int msgNo = contact * PER_CONTACT + seq;
      String text = MsgText.text(msgNo, contact, seq, TEXT_LENGTH);
      JsonObject payload = CloudApiPayloads.text(MsgText.contactId(contact), "wamid.crash." + msgNo, text);
      Buffer body = Buffer.buffer(payload.encode());
      client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
          .setURI("/webhook/whatsapp").putHeader("Content-Type", "application/json"))
        .compose(request -> request.send(body))
        .compose(response -> response.body().map(ignored -> response.statusCode()))
        .onComplete(answer -> {
          if (answer.succeeded() && answer.result() == 200) {
            accepted.incrementAndGet(msgNo);
            if (acceptedSoFar.incrementAndGet() >= killAfterAccepted) {
              killPoint.complete(null);
            }
            postInOrder(client, port, contact, seq + 1);
          } else if (answer.succeeded()) {
            non200.incrementAndGet();
          } else {
            failedRequests.incrementAndGet();
          }
        });
    }

    private void agentCalled(String text) {
      int[] fields = MsgText.fields(text);
      agentCalls.incrementAndGet(fields[0]);
      if (restarted) {
        int contact = fields[1];
        int seq = fields[2];
        if (lastSeqAfterRestart.getAndSet(contact, seq + 1) > seq + 1) {
          outOfOrderAfterRestart.incrementAndGet(); // the same message again is a re-run, an earlier one disorder
        }
      }
      calls.incrementAndGet();
    }

    private void replyDelivered(String text) {
      int msgNo = MsgText.msgNo(text);
      delivered.incrementAndGet(msgNo);
      deliveries.incrementAndGet();
      if (restarted) {
        checkAllDelivered();
      }
    }

    private synchronized void checkAllDelivered() {
      if (countAcceptedDelivered() >= acceptedCount) {
        allDelivered.complete(null);
      }
    }

    private long countAcceptedDelivered() {
      long count = 0;
      for (int i = 0; i < total; i++) {
        if (accepted.get(i) > 0 && delivered.get(i) > 0) {
          count++;
        }
      }
      return count;
    }
  }

  private static long count(AtomicIntegerArray flags) {
    long count = 0;
    for (int i = 0; i < flags.length(); i++) {
      if (flags.get(i) > 0) {
        count++;
      }
    }
    return count;
  }

  private static boolean waitFor(CompletableFuture<Void> future, long timeoutMs) throws InterruptedException {
    try {
      future.get(timeoutMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Main in a child JVM; its stdout is read for the ready line, both streams are kept in the folder. */
  private static final class Child {
    final Process process;
    final CompletableFuture<Integer> port = new CompletableFuture<>();
    final Deque<String> lastLines = new ArrayDeque<>();

    private Child(Process process) {
      this.process = process;
    }

    static Child start(Path folder, Path conf, String name) throws Exception {
      List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseG1GC",
        "-cp", System.getProperty("java.class.path"),
        "-Dlogback.configurationFile=" + Path.of(Main.class.getResource("/logback.xml").toURI())));
      if (Runtime.version().feature() >= 24) {
        command.add("--sun-misc-unsafe-memory-access=allow");
      }
      command.add("--enable-native-access=ALL-UNNAMED"); // the SQLite driver; the jar's manifest says the same
      command.addAll(List.of(Main.class.getName(), "-conf", conf.toString()));
      ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile())
        .redirectError(folder.resolve(name + "-stderr.log").toFile());
      // Hermetic: none of the service's environment variables leak in from the machine.
      builder.environment().keySet().removeAll(EnvironmentOverrides.envNames(OrchestratorConfig.defaults()));
      builder.environment().remove("LOG_LEVEL");
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().remove("JDK_JAVA_OPTIONS");
      Child child = new Child(builder.start());
      Thread.ofPlatform().daemon().name("crash-child-" + name).start(child::pump);
      return child;
    }

    private void pump() {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          synchronized (lastLines) {
            lastLines.addLast(line);
            if (lastLines.size() > 40) {
              lastLines.removeFirst();
            }
          }
          Matcher ready = READY.matcher(line);
          if (ready.find()) {
            port.complete(Integer.parseInt(ready.group(1)));
          }
        }
      } catch (IOException ignored) {
        // the process ended
      } finally {
        port.completeExceptionally(new IllegalStateException("the child ended before it was ready"));
      }
    }

    int awaitPort() throws Exception {
      try {
        return port.get(90, TimeUnit.SECONDS);
      } catch (Exception e) {
        synchronized (lastLines) {
          throw new IllegalStateException("the service did not start: " + e + "; last lines:\n"
            + String.join("\n", lastLines), e);
        }
      }
    }
  }
}
