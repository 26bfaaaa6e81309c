package dev.tokenbroker.students.api.impl;

import dev.tokenbroker.students.auth.AuthFailure;
import dev.tokenbroker.students.auth.VerifiedToken;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Authorization: the verified token must grant {@code requiredScope}, otherwise 403. */
public final class ScopeHandler implements Handler<RoutingContext> {

  private final String requiredScope;

  public ScopeHandler(String requiredScope) {
    this.requiredScope = requiredScope;
  }

  @Override
  public void handle(RoutingContext ctx) {
    VerifiedToken token = ctx.get(BearerAuthHandler.TOKEN_KEY);
    if (token != null && token.hasScope(requiredScope)) {
      ctx.next();
    } else {
      ctx.fail(403, AuthFailure.insufficientScope(requiredScope));
    }
  }
}
