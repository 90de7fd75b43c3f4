package io.messageorchestrator.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON answers of every route: bodies and the {@code {"error": code, "message": ..., "field"?: ...}} error shape. */
public final class Responses {
  private Responses() {
  }

  public static void error(RoutingContext ctx, int status, String code, String message) {
    error(ctx, status, code, message, null);
  }

  /** @param field the request field at fault, or {@code null} */
  public static void error(RoutingContext ctx, int status, String code, String message, String field) {
    JsonObject body = new JsonObject().put("error", code).put("message", message);
    if (field != null) {
      body.put("field", field);
    }
    json(ctx, status, body);
  }

  /** Ends the response with {@code body}, unless the client is gone or it was answered already. */
  public static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
