package dev.tokenbroker.students.api.impl;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Validation: {@code GET /students} takes no parameters, so a query string is refused with 400.
 * This also keeps {@code ?access_token=} (RFC 6750 §2.3, which leaks tokens into logs) out.
 */
public final class NoQueryHandler implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    String query = ctx.request().query();
    if (query == null || query.isEmpty()) {
      ctx.next();
    } else {
      ctx.fail(400, new RequestRejected(400, "unexpected query parameters"));
    }
  }
}
