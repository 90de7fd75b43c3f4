package io.messageorchestrator.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Raw HTTP/1.1 over a blocking socket (test thread only): exact bytes out, everything the server sends back. */
final class RawHttp {
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

  private RawHttp() {
  }

  /**
   * Sends {@code request} and reads until the server closes the connection.
   *
   * @throws java.net.SocketTimeoutException if the server keeps the connection open for 20 s (a safety net only:
   *                                          every caller expects the server to close)
   */
  static String exchangeUntilClosed(int port, String request) throws IOException {
    try (Socket socket = new Socket(WebhookHttp.HOST, port)) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] chunk = new byte[4096];
      try {
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
          received.write(chunk, 0, n);
        }
      } catch (java.net.SocketException reset) {
        // a reset after the answer counts as closed: what was received is what matters
      }
      return received.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Every response status code in {@code received}, in order (bodies here never contain a status line). */
  static java.util.List<Integer> statuses(String received) {
    java.util.List<Integer> statuses = new java.util.ArrayList<>();
    Matcher matcher = STATUS_LINE.matcher(received);
    while (matcher.find()) {
      statuses.add(Integer.parseInt(matcher.group(1)));
    }
    return statuses;
  }
}
