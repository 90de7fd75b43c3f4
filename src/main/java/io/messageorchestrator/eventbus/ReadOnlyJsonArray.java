package io.messageorchestrator.eventbus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/** The array counterpart of {@link ReadOnlyJsonObject}: a view whose mutators throw, nested values read-only too. */
public final class ReadOnlyJsonArray extends JsonArray {
  private final List<Object> source;

  @SuppressWarnings("unchecked")
  private ReadOnlyJsonArray(List<?> source) {
    super(Collections.unmodifiableList(source));
    this.source = (List<Object>) source;
  }

  /** A read-only view of {@code array} (itself if it is one already); {@code null} stays {@code null}. */
  public static JsonArray of(JsonArray array) {
    return array == null || array instanceof ReadOnlyJsonArray ? array : new ReadOnlyJsonArray(array.getList());
  }

  @Override
  public Object getValue(int index) {
    return ReadOnlyJsonObject.readOnly(super.getValue(index));
  }

  @Override
  public JsonObject getJsonObject(int index) {
    return ReadOnlyJsonObject.of(super.getJsonObject(index));
  }

  @Override
  public JsonArray getJsonArray(int index) {
    return of(super.getJsonArray(index));
  }

  /** An unmodifiable view whose nested objects and arrays are read-only views too. */
  @Override
  public List getList() {
    return new AbstractList<>() {
      @Override
      public Object get(int index) {
        return ReadOnlyJsonObject.readOnly(source.get(index));
      }

      @Override
      public int size() {
        return source.size();
      }
    };
  }

  @Override
  public Iterator<Object> iterator() {
    Iterator<Object> values = source.iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public Object next() {
        return ReadOnlyJsonObject.readOnly(values.next());
      }
    };
  }

  @Override
  public Stream<Object> stream() {
    return source.stream().map(ReadOnlyJsonObject::readOnly);
  }

  /** A mutable deep copy. */
  @Override
  public JsonArray copy() {
    return new JsonArray(new ArrayList<>(source)).copy();
  }

  @Override
  public JsonArray copy(Function<Object, ?> cloner) {
    return new JsonArray(new ArrayList<>(source)).copy(cloner);
  }

  /**
   * Equal to any {@code JsonArray} with the same content, read-only or not ({@code JsonArray.equals} alone would require
   * the same class). Compares through a copy: meant for tests and rare checks, not for the message path.
   */
  @Override
  public boolean equals(Object other) {
    if (other == this) {
      return true;
    }
    if (!(other instanceof JsonArray json)) {
      return false;
    }
    return copy().equals(json instanceof ReadOnlyJsonArray view ? view.copy() : json);
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }
}
