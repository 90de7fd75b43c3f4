package io.messageorchestrator.support;

import io.messageorchestrator.core.Addresses;
import io.messageorchestrator.core.Events;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/** Records every orchestrator event in arrival order and lets a test wait for the n-th occurrence of one. */
public final class EventRecorder {
  public record Recorded(String name, JsonObject body) {
  }

  private record Waiter(String name, Predicate<JsonObject> filter, Predicate<List<JsonObject>> done,
                        Promise<List<JsonObject>> promise) {
  }

  private final List<Recorded> events = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private EventRecorder() {
  }

  public static EventRecorder attach(Vertx vertx, String... extraEvents) {
    EventRecorder recorder = new EventRecorder();
    List<String> names = new ArrayList<>(Events.ALL);
    names.addAll(List.of(extraEvents));
    List<Future<Void>> registrations = new ArrayList<>();
    for (String name : names) {
      registrations.add(vertx.eventBus().<JsonObject>consumer(Addresses.event(name),
        message -> recorder.record(name, message.body())).completion());
    }
    Await.result(Future.all(registrations));
    return recorder;
  }

  private synchronized void record(String name, JsonObject body) {
    events.add(new Recorded(name, body));
    Iterator<Waiter> pending = waiters.iterator();
    while (pending.hasNext()) {
      Waiter waiter = pending.next();
      List<JsonObject> matching = matching(waiter.name(), waiter.filter());
      if (waiter.done().test(matching)) {
        pending.remove();
        waiter.promise().complete(matching);
      }
    }
  }

  /** Completes once {@code count} events named {@code name} have been seen (including earlier ones). */
  public synchronized Future<List<JsonObject>> await(String name, int count) {
    return await(name, count, body -> true);
  }

  public synchronized Future<List<JsonObject>> await(String name, int count, Predicate<JsonObject> filter) {
    return awaitWhen(name, filter, matching -> matching.size() >= count);
  }

  /** Completes once the events named {@code name} (so far) satisfy {@code done}. */
  public synchronized Future<List<JsonObject>> awaitWhen(String name, Predicate<JsonObject> filter,
                                                         Predicate<List<JsonObject>> done) {
    List<JsonObject> matching = matching(name, filter);
    if (done.test(matching)) {
      return Future.succeededFuture(matching);
    }
    Promise<List<JsonObject>> promise = Promise.promise();
    waiters.add(new Waiter(name, filter, done, promise));
    return promise.future();
  }

  /** Waits until the values of an integer field of all events named {@code name} add up to {@code total}. */
  public List<JsonObject> awaitSum(String name, String field, int total) {
    return Await.result(awaitWhen(name, body -> true,
      matching -> matching.stream().mapToInt(body -> body.getInteger(field)).sum() >= total));
  }

  /** Waits for the event, blocking the test thread. */
  public List<JsonObject> awaitAll(String name, int count) {
    return Await.result(await(name, count));
  }

  public JsonObject awaitFirst(String name, Predicate<JsonObject> filter) {
    return Await.result(await(name, 1, filter)).get(0);
  }

  public synchronized List<JsonObject> all(String name) {
    return matching(name, body -> true);
  }

  public synchronized List<Recorded> all() {
    return List.copyOf(events);
  }

  public synchronized List<String> namesFor(String contactId) {
    return events.stream().filter(event -> contactId.equals(event.body().getString("contactId")))
      .map(Recorded::name).toList();
  }

  private List<JsonObject> matching(String name, Predicate<JsonObject> filter) {
    return events.stream().filter(event -> event.name().equals(name) && filter.test(event.body()))
      .map(Recorded::body).toList();
  }
}
