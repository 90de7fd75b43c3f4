package io.messageorchestrator.bench;

/**
 * Message texts and contact ids of the benchmarks. A text is {@code <msgNo>:<contact>:<seq>:} padded with {@code x}
 * to a fixed length, so the agent and the event consumers can tell which message, which contact and which place in
 * that contact's order a text is, without any lookup table.
 */
final class MsgText {
  private MsgText() {
  }

  static String text(int msgNo, int contact, int seq, int length) {
    StringBuilder text = new StringBuilder(Math.max(length, 24)).append(msgNo).append(':').append(contact)
      .append(':').append(seq).append(':');
    while (text.length() < length) {
      text.append('x');
    }
    return text.toString();
  }

  /** {@code {msgNo, contact, seq}} in one pass over the text. */
  static int[] fields(String text) {
    int[] fields = new int[3];
    int pos = 0;
    for (int i = 0; i < 3; i++) {
      int value = 0;
      char c;
      while ((c = text.charAt(pos++)) != ':') {
        value = value * 10 + (c - '0');
      }
      fields[i] = value;
    }
    return fields;
  }

  static int msgNo(String text) {
    return fields(text)[0];
  }

  /** A WhatsApp-like contact id: 13 digits ({@code 5511900000000} + index). */
  static String contactId(int contact) {
    return Long.toString(5_511_900_000_000L + contact);
  }

  /** Heap bytes of a Latin-1 String of {@code length} chars with compressed oops: header object + byte[]. */
  static long stringBytes(int length) {
    return 24 + align8(16 + length);
  }

  private static long align8(long bytes) {
    return (bytes + 7) & ~7L;
  }
}
