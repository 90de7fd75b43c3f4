package io.messageorchestrator.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;

/** The {@code Content-Type} check of every route that reads a body. */
final class MediaTypes {
  static final String JSON = "application/json";

  private MediaTypes() {
  }

  /**
   * A handler that answers 415 unless the request's {@code Content-Type} is {@code mediaType} (compared
   * case-insensitively, as media types are) with no {@code charset} or {@code charset=utf-8}: bodies are decoded as
   * UTF-8, so any other charset would be misread. Put it on a route of its own ahead of the one with the
   * {@code BodyHandler}, so a 415 does not read the body first.
   */
  static Handler<RoutingContext> require(String mediaType) {
    return ctx -> {
      if (accepts(ctx.request().getHeader("Content-Type"), mediaType)) {
        ctx.next();
      } else {
        Responses.error(ctx, 415, "unsupported_media_type", "Content-Type must be " + mediaType + " (UTF-8)");
      }
    };
  }

  static boolean accepts(String contentType, String mediaType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().toLowerCase(Locale.ROOT).equals(mediaType)) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].split("=", 2);
      if (parameter[0].trim().equalsIgnoreCase("charset")) {
        String charset = parameter.length > 1 ? parameter[1].trim().replace("\"", "") : "";
        if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
          return false;
        }
      }
    }
    return true;
  }
}
