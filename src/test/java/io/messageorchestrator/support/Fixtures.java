package io.messageorchestrator.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Real provider payloads and signature vectors, from {@code src/test/resources/fixtures/whatsapp}. */
public final class Fixtures {
  private Fixtures() {
  }

  public static byte[] fixture(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/whatsapp/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
