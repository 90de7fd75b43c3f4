package io.messageorchestrator.eventbus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Codec of published events: on the wire exactly like Vert.x's JSON codec, but local consumers do not get a deep
 * copy each (every message publishes several events; copying them was a tenth of the CPU per message). They share
 * the publisher's payload through a {@link ReadOnlyJsonObject} view instead — a few bytes per consumer, whatever the
 * payload's size — so a consumer that tries to change its event (or a nested object such as {@code message}) gets an
 * {@link UnsupportedOperationException} instead of racing with consumers on other event loops; {@code copy()} gives
 * it a mutable copy. Contract for publishers: a payload is not changed after it is published.
 */
public final class EventJsonCodec implements MessageCodec<JsonObject, JsonObject> {
  public static final String NAME = "orchestrator-event-json";
  /** Options to publish an event with; never modified. */
  public static final DeliveryOptions DELIVERY = new DeliveryOptions().setCodecName(NAME);

  public static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new EventJsonCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another suite on the same Vert.x instance registered it first
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, JsonObject event) {
    Buffer encoded = event.toBuffer();
    buffer.appendInt(encoded.length());
    buffer.appendBuffer(encoded);
  }

  @Override
  public JsonObject decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    pos += 4;
    return ReadOnlyJsonObject.of(new JsonObject(buffer.slice(pos, pos + length)));
  }

  @Override
  public JsonObject transform(JsonObject event) {
    return ReadOnlyJsonObject.of(event);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
