package io.messageorchestrator.eventbus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A read-only view of a {@link JsonObject}: every mutator ({@code put}, {@code remove}, {@code mergeIn},
 * {@code clear}, writes through {@link #getMap()} or {@link #iterator()}) throws {@link UnsupportedOperationException},
 * and nested objects and arrays come back as read-only views too. No copy is made: building a view costs two small
 * objects whatever the size of the JSON, so every consumer of a published event can get one (see
 * {@link EventJsonCodec}). {@link #copy()} gives an ordinary, mutable deep copy.
 *
 * <p>The view is only as stable as its source: whoever built the source must not change it afterwards (a publisher
 * hands its event over at publish).
 */
public final class ReadOnlyJsonObject extends JsonObject {
  private final Map<String, Object> source;

  private ReadOnlyJsonObject(Map<String, Object> source) {
    super(Collections.unmodifiableMap(source));
    this.source = source;
  }

  /** A read-only view of {@code json} ({@code json} itself if it is one already); {@code null} stays {@code null}. */
  public static JsonObject of(JsonObject json) {
    return json == null || json instanceof ReadOnlyJsonObject ? json : new ReadOnlyJsonObject(json.getMap());
  }

  /** JSON containers become read-only views; anything else (strings, numbers, booleans, null) is immutable. */
  @SuppressWarnings("unchecked")
  static Object readOnly(Object value) {
    if (value instanceof JsonObject json) {
      return of(json);
    }
    if (value instanceof JsonArray array) {
      return ReadOnlyJsonArray.of(array);
    }
    if (value instanceof Map<?, ?> map) {
      return new ReadOnlyJsonObject((Map<String, Object>) map);
    }
    if (value instanceof List<?> list) {
      return ReadOnlyJsonArray.of(new JsonArray(list));
    }
    return value;
  }

  @Override
  public Object getValue(String key) {
    return readOnly(super.getValue(key));
  }

  @Override
  public Object getValue(String key, Object def) {
    return readOnly(super.getValue(key, def));
  }

  @Override
  public JsonObject getJsonObject(String key) {
    return of(super.getJsonObject(key));
  }

  @Override
  public JsonObject getJsonObject(String key, JsonObject def) {
    return of(super.getJsonObject(key, def));
  }

  @Override
  public JsonArray getJsonArray(String key) {
    return ReadOnlyJsonArray.of(super.getJsonArray(key));
  }

  @Override
  public JsonArray getJsonArray(String key, JsonArray def) {
    return ReadOnlyJsonArray.of(super.getJsonArray(key, def));
  }

  /** An unmodifiable view whose nested objects and arrays are read-only views too. */
  @Override
  public Map<String, Object> getMap() {
    return new AbstractMap<>() {
      @Override
      public Object get(Object key) {
        return readOnly(source.get(key));
      }

      @Override
      public boolean containsKey(Object key) {
        return source.containsKey(key);
      }

      @Override
      public int size() {
        return source.size();
      }

      @Override
      public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public Iterator<Entry<String, Object>> iterator() {
            return ReadOnlyJsonObject.this.iterator();
          }

          @Override
          public int size() {
            return source.size();
          }
        };
      }
    };
  }

  @Override
  public Iterator<Map.Entry<String, Object>> iterator() {
    Iterator<Map.Entry<String, Object>> entries = source.entrySet().iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Map.Entry<String, Object> next() {
        Map.Entry<String, Object> entry = entries.next();
        return new AbstractMap.SimpleImmutableEntry<>(entry.getKey(), readOnly(entry.getValue()));
      }
    };
  }

  @Override
  public Stream<Map.Entry<String, Object>> stream() {
    return source.entrySet().stream()
      .map(entry -> new AbstractMap.SimpleImmutableEntry<>(entry.getKey(), readOnly(entry.getValue())));
  }

  /** A mutable deep copy, in the same field order. */
  @Override
  public JsonObject copy() {
    return new JsonObject(new LinkedHashMap<>(source)).copy();
  }

  @Override
  public JsonObject copy(Function<Object, ?> cloner) {
    return new JsonObject(new LinkedHashMap<>(source)).copy(cloner);
  }

  /**
   * Equal to any {@code JsonObject} with the same content, read-only or not ({@code JsonObject.equals} alone would require
   * the same class). Compares through a copy: meant for tests and rare checks, not for the message path. Only this
   * direction: a plain {@code JsonObject}'s {@code equals} still wants its own class, so {@code plain.equals(view)} is
   * {@code false} (documented in the README; compare {@code view.copy()} or call {@code view.equals(plain)}).
   */
  @Override
  public boolean equals(Object other) {
    if (other == this) {
      return true;
    }
    if (!(other instanceof JsonObject json)) {
      return false;
    }
    return copy().equals(json instanceof ReadOnlyJsonObject view ? view.copy() : json);
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }
}
