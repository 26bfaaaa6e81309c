package dev.tokenbroker.broker.api.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * {@code GET /health/live} and {@code GET /health/ready}; they need no header and hold no token.
 */
public final class HealthRoutes {

  private HealthRoutes() {}

  public static void mount(Router router, Readiness readiness) {
    router
        .get("/health/live")
        .handler(rc -> ApiResponses.json(rc.response(), 200, new JsonObject().put("status", "UP")));
    router
        .get("/health/ready")
        .handler(
            rc -> {
              JsonObject report = readiness.report();
              ApiResponses.json(
                  rc.response(), "UP".equals(report.getString("status")) ? 200 : 503, report);
            });
  }
}
