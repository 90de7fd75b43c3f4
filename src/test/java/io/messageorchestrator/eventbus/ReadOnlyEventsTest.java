package io.messageorchestrator.eventbus;

import io.messageorchestrator.core.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** H9: a published event is shared by its consumers, so none of them may change it. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class ReadOnlyEventsTest {

  @Test
  @DisplayName("a consumer that changes its event gets an exception; a consumer on another event loop sees it unchanged")
  void consumersCannotChangeASharedEvent(Vertx vertx, VertxTestContext testContext) {
    EventJsonCodec.register(vertx);
    String address = Addresses.event("readOnlyTest-" + System.nanoTime());
    JsonObject event = sampleEvent();
    String original = event.encode();
    Promise<List<Throwable>> mutatorDone = Promise.promise();
    Promise<JsonObject> observerGot = Promise.promise();
    Promise<Context> mutatorContext = Promise.promise();
    Promise<Context> observerContext = Promise.promise();
    Future<String> mutator = vertx.deployVerticle(new Consumes(address, mutatorContext, received -> {
      // every way a consumer could write into the shared payload
      mutatorDone.complete(Arrays.asList(
        thrown(() -> received.put("contactId", "changed")),
        thrown(() -> received.remove("processId")),
        thrown(() -> received.getJsonObject("message").put("text", "changed")),
        thrown(() -> ((JsonObject) received.getValue("message")).remove("text")),
        thrown(() -> received.getJsonObject("message").getJsonObject("metadata").put("instance", "changed")),
        thrown(() -> received.getJsonArray("errors").add("changed")),
        thrown(() -> received.getJsonArray("errors").getJsonObject(0).put("code", 1)),
        thrown(() -> received.getMap().put("contactId", "changed")),
        thrown(() -> ((JsonObject) received.getMap().get("message")).put("text", "changed")),
        thrown(() -> received.iterator().next().setValue("changed")),
        thrown(() -> received.mergeIn(new JsonObject().put("contactId", "changed"))),
        thrown(received::clear)));
    }));
    Future<String> observer = vertx.deployVerticle(new Consumes(address, observerContext, observerGot::complete));
    Future.all(mutator, observer)
      .onSuccess(deployed -> vertx.eventBus().publish(address, event, EventJsonCodec.DELIVERY));
    Future.all(mutatorDone.future(), observerGot.future(), mutatorContext.future(), observerContext.future())
      .onComplete(testContext.succeeding(all -> observerContext.future().result().runOnContext(v ->
        testContext.verify(() -> {
        assertThat(mutatorContext.future().result()).as("the two consumers run on different event loops")
          .isNotSameAs(observerContext.future().result());
        assertThat(mutatorDone.future().result()).allSatisfy(failure ->
          assertThat(failure).isInstanceOf(UnsupportedOperationException.class));
        assertThat(observerGot.future().result().encode()).isEqualTo(original);
        assertThat(event.encode()).isEqualTo(original);
        testContext.completeNow();
      }))));
  }

  @Test
  @DisplayName("a read-only event reads, encodes and compares like its source; copy() is a mutable deep copy in order")
  void readsLikeTheSourceAndCopiesMutably() {
    JsonObject source = sampleEvent();
    JsonObject view = ReadOnlyJsonObject.of(source);
    assertThat(view.encode()).isEqualTo(source.encode());
    assertThat(view).isEqualTo(source);
    // As the README warns: Vert.x's own equals wants its own class, so compare from the view or against a copy.
    assertThat(source.equals(view)).isFalse();
    assertThat(source.equals(view.copy())).isTrue();
    assertThat(view.getJsonObject("message").getString("text")).isEqualTo("hello");
    assertThat(view.getJsonArray("errors").getJsonObject(0).getInteger("code")).isEqualTo(131047);
    assertThat(ReadOnlyJsonObject.of(view)).isSameAs(view);

    JsonObject copy = view.copy();
    copy.put("contactId", "mine");
    copy.getJsonObject("message").put("text", "mine");
    copy.getJsonArray("errors").add("mine");
    assertThat(List.copyOf(copy.fieldNames())).containsExactlyElementsOf(source.fieldNames());
    assertThat(source.encode()).isEqualTo(sampleEvent().encode());
    assertThat(view.getJsonObject("message").getString("text")).isEqualTo("hello");
  }

  @Test
  @DisplayName("events that arrive from the wire are read-only too")
  void decodedEventsAreReadOnly() {
    EventJsonCodec codec = new EventJsonCodec();
    io.vertx.core.buffer.Buffer wire = io.vertx.core.buffer.Buffer.buffer();
    codec.encodeToWire(wire, sampleEvent());
    JsonObject decoded = codec.decodeFromWire(0, wire);
    assertThat(decoded).isEqualTo(sampleEvent());
    assertThatThrownBy(() -> decoded.getJsonObject("message").put("text", "changed"))
      .isInstanceOf(UnsupportedOperationException.class);
  }

  private static JsonObject sampleEvent() {
    return new JsonObject().put("contactId", "5511999990000").put("processId", "n-0-1")
      .put("message", new JsonObject().put("text", "hello").put("metadata", new JsonObject().put("instance", "i1")))
      .put("errors", new JsonArray().add(new JsonObject().put("code", 131047)));
  }

  private static Throwable thrown(ThrowingCallable change) {
    try {
      change.call();
      return null;
    } catch (Throwable failure) {
      return failure;
    }
  }

  /** A verticle (its own event loop) with one consumer that hands the event to {@code onEvent}. */
  private static final class Consumes extends VerticleBase {
    private final String address;
    private final Promise<Context> where;
    private final Consumer<JsonObject> onEvent;

    Consumes(String address, Promise<Context> where, Consumer<JsonObject> onEvent) {
      this.address = address;
      this.where = where;
      this.onEvent = onEvent;
    }

    @Override
    public Future<?> start() {
      where.complete(context);
      return vertx.eventBus().<JsonObject>consumer(address, message -> onEvent.accept(message.body())).completion();
    }
  }
}
