package io.messageorchestrator.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A closed-loop HTTP load generator on Vert.x's HTTP client, in a Vert.x instance of its own (as a separate process
 * like wrk would be, but sharing the machine's cores): a fixed number of keep-alive HTTP/1.1 connections, each with
 * exactly one request outstanding, sending the next as soon as the answer is read. Requests started during the
 * warm-up are sent and checked but not measured.
 *
 * <p>Each request is {@code POST /webhook} with
 * {@code {"from": "+<13 digits>", "body": "<msgNo>:<contact>:<seq>:x…"}} (about 100 bytes) for a contact drawn at
 * random from {@code contacts}, re-drawn while that contact already has a request outstanding: so a contact's
 * requests are strictly sequential and its order is well defined.
 *
 * <p>Several ports (the nodes of a cluster): each of the {@code connections} loops holds one connection to every
 * port and sends its requests to the ports in turn, so every port gets the same share of the requests (round robin)
 * and still only {@code connections} requests are outstanding.
 */
final class LoadGenerator {
  /**
   * @param checkEchoes whether a 200 answer must be {@code {"status":"processed","response":<the text sent>}} (an
   *                    echo agent's reply to this very message); one that is not counts in {@link Report#badAnswers}
   */
  record Settings(String host, List<Integer> ports, int connections, int threads, long warmupMs, long durationMs,
                  int contacts, int bodyBytes, int maxMessages, boolean checkEchoes) {
    /** One port, answers not read. */
    Settings(String host, int port, int connections, int threads, long warmupMs, long durationMs, int contacts,
             int bodyBytes, int maxMessages) {
      this(host, List.of(port), connections, threads, warmupMs, durationMs, contacts, bodyBytes, maxMessages, false);
    }
  }

  /** Called on the calling thread when the measured window opens and when the last request has been answered. */
  interface Phases {
    void measuring() throws Exception;

    void finished() throws Exception;
  }

  record Report(long measuredRequests, long totalRequests, long non2xx, long errors, double measuredSeconds,
                Histogram latencyMicros, Map<Integer, Long> statuses, long badAnswers) {
  }

  /** {@code {"from":"+","body":""}} plus the 13 digits of the contact id. */
  private static final int BODY_OVERHEAD = 22 + 13;
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private final Settings settings;
  private final Tracker tracker;
  private final AtomicIntegerArray contactBusy;
  private final AtomicIntegerArray nextSeq;
  private final AtomicInteger nextMsgNo = new AtomicInteger();

  /** @param tracker told of each 429 ({@link Tracker#rejectedOutside}); {@code null}: none to tell */
  LoadGenerator(Settings settings, Tracker tracker) {
    this.settings = settings;
    this.tracker = tracker;
    this.contactBusy = new AtomicIntegerArray(settings.contacts());
    this.nextSeq = new AtomicIntegerArray(settings.contacts());
  }

  /** Messages numbered so far (0 .. n-1): every one was sent. */
  int messagesSent() {
    return Math.min(nextMsgNo.get(), settings.maxMessages());
  }

  Report run(Phases phases) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(settings.threads()));
    try {
      List<Worker> workers = new ArrayList<>();
      List<Future<String>> deployed = new ArrayList<>();
      for (int i = 0; i < settings.threads(); i++) {
        int connections = settings.connections() / settings.threads()
          + (i < settings.connections() % settings.threads() ? 1 : 0);
        Worker worker = new Worker(connections);
        workers.add(worker);
        deployed.add(vertx.deployVerticle(worker));
      }
      Harness.await(Future.all(deployed), 30_000);
      long start = System.nanoTime();
      long measureFrom = start + settings.warmupMs() * 1_000_000;
      long until = measureFrom + settings.durationMs() * 1_000_000;
      Future<?> all = Future.all(workers.stream().map(w -> w.go(measureFrom, until)).toList());
      java.util.concurrent.CompletableFuture<Void> windowOpen = new java.util.concurrent.CompletableFuture<>();
      vertx.setTimer(Math.max(1, settings.warmupMs()), id -> windowOpen.complete(null));
      windowOpen.get(settings.warmupMs() + 60_000, java.util.concurrent.TimeUnit.MILLISECONDS);
      phases.measuring();
      Harness.await(all, settings.warmupMs() + settings.durationMs() + 60_000);
      phases.finished();
      Histogram latency = new Histogram(3);
      long measured = 0;
      long total = 0;
      long non2xx = 0;
      long errors = 0;
      long badAnswers = 0;
      Map<Integer, Long> statuses = new TreeMap<>();
      for (Worker worker : workers) {
        latency.add(worker.latency);
        measured += worker.measured;
        total += worker.total;
        non2xx += worker.non2xx;
        errors += worker.errors;
        badAnswers += worker.badAnswers;
        worker.statuses.forEach((status, count) -> statuses.merge(status, count, Long::sum));
      }
      return new Report(measured, total, non2xx, errors, settings.durationMs() / 1000.0, latency, statuses,
        badAnswers);
    } finally {
      Harness.await(vertx.close(), 30_000);
    }
  }

  /** The connections of one event loop; all its state is confined to that loop. */
  private final class Worker extends VerticleBase {
    private final int connectionCount;
    private final Histogram latency = new Histogram(3);
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private final RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI("/webhook")
      .setHost(settings.host()).setPort(settings.ports().getFirst()).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    private HttpClientAgent client;
    /** Per loop, one connection to each port (in the order of {@link Settings#ports}). */
    private final List<HttpClientConnection[]> loops = new ArrayList<>();
    private long measured;
    private long total;
    private long non2xx;
    private long errors;
    private long badAnswers;
    /** The round robin over the ports: the port of this worker's next request. */
    private int nextPort;
    private int running;
    private Promise<Void> finished;

    Worker(int connectionCount) {
      this.connectionCount = connectionCount;
    }

    @Override
    public Future<?> start() {
      client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true));
      List<Future<HttpClientConnection>> opened = new ArrayList<>();
      for (int i = 0; i < connectionCount; i++) {
        HttpClientConnection[] loop = new HttpClientConnection[settings.ports().size()];
        loops.add(loop);
        for (int port = 0; port < loop.length; port++) {
          int index = port;
          opened.add(connect(index).onSuccess(connection -> loop[index] = connection));
        }
      }
      return Future.all(opened);
    }

    private Future<HttpClientConnection> connect(int port) {
      return client.connect(new HttpConnectOptions().setHost(settings.host()).setPort(settings.ports().get(port)));
    }

    Future<Void> go(long measureFrom, long until) {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> {
        finished = done;
        running = loops.size();
        if (running == 0) {
          done.complete();
        }
        for (HttpClientConnection[] loop : loops) {
          next(loop, measureFrom, until);
        }
      });
      return done.future();
    }

    private void next(HttpClientConnection[] loop, long measureFrom, long until) {
      long start = System.nanoTime();
      int msgNo = start < until ? nextMsgNo.getAndIncrement() : Integer.MAX_VALUE;
      if (msgNo >= settings.maxMessages()) {
        if (--running == 0) {
          finished.complete();
        }
        return;
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int contact = random.nextInt(settings.contacts());
      while (!contactBusy.compareAndSet(contact, 0, 1)) {
        contact = random.nextInt(settings.contacts());
      }
      int seq = nextSeq.getAndIncrement(contact);
      String text = MsgText.text(msgNo, contact, seq, Math.max(1, settings.bodyBytes() - BODY_OVERHEAD));
      Buffer body = Buffer.buffer("{\"from\":\"+" + MsgText.contactId(contact) + "\",\"body\":\"" + text + "\"}");
      int sentContact = contact;
      int port = nextPort;
      nextPort = (nextPort + 1) % loop.length;
      loop[port].request(request)
        .compose(outgoing -> outgoing.send(body))
        .compose(response -> response.body().map(answerBody -> {
          if (settings.checkEchoes() && response.statusCode() == 200 && !isEcho(answerBody, text)) {
            badAnswers++;
          }
          return response.statusCode();
        }))
        .onComplete(answer -> {
          long end = System.nanoTime();
          total++;
          if (answer.succeeded()) {
            int status = answer.result();
            statuses.merge(status, 1L, Long::sum);
            if (status == 429 && tracker != null) {
              tracker.rejectedOutside(msgNo);
            }
            if (status / 100 != 2) {
              non2xx++;
            }
          } else {
            errors++;
            statuses.merge(-1, 1L, Long::sum);
          }
          if (start >= measureFrom) {
            measured++;
            latency.recordValue(Math.max(0, (end - start) / 1_000));
          }
          contactBusy.set(sentContact, 0);
          if (answer.failed()) {
            // the connection may be gone: open a new one and carry on
            connect(port).onComplete(reopened -> {
              if (reopened.succeeded()) {
                loop[port] = reopened.result();
                next(loop, measureFrom, until);
              } else if (--running == 0) {
                finished.complete();
              }
            });
          } else {
            next(loop, measureFrom, until);
          }
        });
    }

    /** A synchronous {@code /webhook} answer to {@code text} from an echo agent. */
    private static boolean isEcho(Buffer answer, String text) {
      try {
        JsonObject json = answer.toJsonObject();
        return "processed".equals(json.getString("status")) && text.equals(json.getString("response"));
      } catch (RuntimeException e) {
        return false;
      }
    }
  }
}
