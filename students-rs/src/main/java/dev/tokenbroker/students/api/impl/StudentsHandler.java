package dev.tokenbroker.students.api.impl;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /students}: the fixed list of the lab, as JSON. */
public final class StudentsHandler implements Handler<RoutingContext> {

  public static final String BODY = "[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]";

  private static final Buffer BODY_BUFFER = Buffer.buffer(BODY);

  @Override
  public void handle(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(BODY_BUFFER.copy());
  }
}
