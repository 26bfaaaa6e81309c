package dev.tokenbroker.students.api;

import dev.tokenbroker.common.http.AllowedMethods;
import dev.tokenbroker.common.http.RejectionLog;
import dev.tokenbroker.students.api.impl.AccessLogHandler;
import dev.tokenbroker.students.api.impl.BearerAuthHandler;
import dev.tokenbroker.students.api.impl.ErrorHandler;
import dev.tokenbroker.students.api.impl.HealthHandler;
import dev.tokenbroker.students.api.impl.NoQueryHandler;
import dev.tokenbroker.students.api.impl.RateLimitHandler;
import dev.tokenbroker.students.api.impl.RequestIdHandler;
import dev.tokenbroker.students.api.impl.RequestMetricsHandler;
import dev.tokenbroker.students.api.impl.ScopeHandler;
import dev.tokenbroker.students.api.impl.StudentsHandler;
import dev.tokenbroker.students.auth.TokenValidator;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Clock;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The HTTP API. Every request passes, in this order: request id, access log, request metrics, CORS;
 * then for {@code /students}: rate limit, body limit, authentication (bearer token), authorization
 * (scope), validation (no query parameters), the handler; failures of any step go to one error
 * handler that answers JSON. {@code /health/live}, {@code /health/ready} and {@code /metrics}
 * (Prometheus text format) need no token and are not rate limited (probes and scrapes must not be
 * starved by client traffic); they are not counted in {@code students_rs_requests_total}.
 */
public final class StudentsRouter {

  public static final String HEALTH_LIVE = "/health/live";
  public static final String HEALTH_READY = "/health/ready";
  public static final String METRICS = "/metrics";

  private StudentsRouter() {}

  /**
   * @param validator the token validator; {@code null} only when {@code authEnabled} is false
   * @param metrics where requests and refusals are counted, and what {@code /metrics} serves
   */
  public static Router create(
      Vertx vertx,
      StudentsOptions options,
      TokenValidator validator,
      Clock clock,
      StudentsMetrics metrics) {
    return create(
        vertx,
        options,
        validator,
        clock,
        metrics,
        RejectionLog.create("dev.tokenbroker.students.http", metrics::rejected));
  }

  /**
   * @param rejections where input refused as malformed is counted and (rate-limited) logged
   */
  public static Router create(
      Vertx vertx,
      StudentsOptions options,
      TokenValidator validator,
      Clock clock,
      StudentsMetrics metrics,
      RejectionLog rejections) {
    return factory(vertx, options, validator, clock, metrics, rejections).get();
  }

  /**
   * Routers for the server instances of one listener (one per event loop). Everything stateful is
   * shared and lock-free: the validator, the metrics, and one rate-limit bucket for all of them (so
   * {@code rateLimit.requestsPerSecond} holds for the server, not per instance).
   */
  public static Supplier<Router> factory(
      Vertx vertx,
      StudentsOptions options,
      TokenValidator validator,
      Clock clock,
      StudentsMetrics metrics,
      RejectionLog rejections) {
    RateLimitHandler rateLimit = new RateLimitHandler(options.getRequestsPerSecond(), clock);
    return () -> create(vertx, options, validator, metrics, rejections, rateLimit);
  }

  private static Router create(
      Vertx vertx,
      StudentsOptions options,
      TokenValidator validator,
      StudentsMetrics metrics,
      RejectionLog rejections,
      RateLimitHandler rateLimit) {
    Router router = Router.router(vertx);
    router.route().handler(new RequestIdHandler());
    router.route().handler(new AccessLogHandler());
    router
        .route()
        .handler(new RequestMetricsHandler(metrics, Set.of(HEALTH_LIVE, HEALTH_READY, METRICS)));
    if (!options.getCorsAllowedOrigins().isEmpty()) {
      router
          .route()
          .handler(
              CorsHandler.create()
                  .addOrigins(options.getCorsAllowedOrigins())
                  .allowedMethod(HttpMethod.GET)
                  .allowedHeader(HttpHeaders.AUTHORIZATION.toString())
                  .allowedHeader(RequestIdHandler.HEADER)
                  .exposedHeader(RequestIdHandler.HEADER)
                  .exposedHeader("WWW-Authenticate")
                  .maxAgeSeconds(600));
    }
    HealthHandler health = new HealthHandler(validator);
    router.get(HEALTH_LIVE).handler(health::live);
    router.get(HEALTH_READY).handler(health::ready);
    router.get(METRICS).handler(PrometheusScrapingHandler.create(metrics.registry()));

    // One route per step: Vert.x Web orders handler kinds within a route (body before user
    // handlers), while this chain needs the rate limit first.
    router.get("/students").handler(rateLimit);
    router
        .get("/students")
        .handler(BodyHandler.create(false).setBodyLimit(options.getMaxBodyBytes()));
    if (validator != null) {
      router.get("/students").handler(new BearerAuthHandler(validator, metrics));
      router.get("/students").handler(new ScopeHandler(options.getRequiredScope()));
    }
    router.get("/students").handler(new NoQueryHandler());
    router.get("/students").handler(new StudentsHandler());

    ErrorHandler errors =
        new ErrorHandler(
            options.getToken().getJwks().getRefetchCooldownSeconds(), metrics, rejections);
    router.route().failureHandler(errors);
    router.errorHandler(404, errors::notFound);
    router.errorHandler(
        405,
        ctx -> {
          AllowedMethods.putAllow(router, ctx);
          errors.methodNotAllowed(ctx);
        });
    router.errorHandler(500, errors);
    return router;
  }
}
