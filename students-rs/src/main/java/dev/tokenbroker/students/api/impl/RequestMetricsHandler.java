package dev.tokenbroker.students.api.impl;

import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * Counts each answered request by status once the response is done ({@code
 * students_rs_requests_total}), except requests to {@code excludedPaths} (health probes and
 * scrapes, which would otherwise dilute the rejection ratio of client traffic).
 */
public final class RequestMetricsHandler implements Handler<RoutingContext> {

  private final StudentsMetrics metrics;
  private final Set<String> excludedPaths;

  public RequestMetricsHandler(StudentsMetrics metrics, Set<String> excludedPaths) {
    this.metrics = metrics;
    this.excludedPaths = Set.copyOf(excludedPaths);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path;
    try {
      path = ctx.normalizedPath();
    } catch (RuntimeException e) {
      // Malformed percent-encoding: HardenedHttpServer answers 400 before the router, so this is
      // only reached when the router is mounted elsewhere. Count it as a client request.
      path = ctx.request().path();
    }
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (!excludedPaths.contains(path)) {
      ctx.addEndHandler(ar -> metrics.request(ctx.response().getStatusCode()));
    }
    ctx.next();
  }
}
