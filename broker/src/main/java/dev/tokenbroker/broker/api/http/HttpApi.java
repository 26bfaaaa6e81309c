package dev.tokenbroker.broker.api.http;

import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Api;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Outcome;
import dev.tokenbroker.broker.token.AccessPolicy;
import dev.tokenbroker.broker.token.CallerPolicy;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenFailure;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.http.AllowedMethods;
import dev.tokenbroker.common.log.JsonLogFormatter;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The local HTTP API. {@code GET /v1/token} is the hot path and bypasses the router: guard, a
 * lookup of the raw query in a small resolution map, a cache lookup, one write of pre-serialized
 * bytes. Everything else goes through a {@link Router}. A {@link Role} says which endpoints one
 * listener serves; the others answer 404.
 */
public final class HttpApi implements Handler<HttpServerRequest> {

  /** Which endpoints a listener serves. */
  public enum Role {
    /** Token API, health, metrics and dashboard: one listener, no {@code management} block. */
    ALL,
    /** {@code /v1/token} and {@code /v1/token/invalidate} only. */
    TOKEN,
    /** Health, metrics and dashboard only; never a token endpoint. */
    MANAGEMENT;

    boolean token() {
      return this != MANAGEMENT;
    }

    boolean management() {
      return this != TOKEN;
    }
  }

  public static final int MAX_QUERY_LENGTH = 4096;
  static final int MAX_BODY_BYTES = 16 * 1024;
  private static final int MAX_RESOLVED = 4096;

  /** {@link #write} as a writer, made once (the hot path allocates nothing). */
  private final ApiResponses.TokenWriter writer = this::write;

  private final TokenCache cache;
  private final AccessPolicy policy;
  private final LocalRequestGuard guard;
  private final BrokerMetrics metrics;
  private final Clock clock;
  private final Router router;
  private final Map<String, TokenKey> resolved = new HashMap<>();
  private final boolean servesToken;
  private CallerPolicy callers;
  private boolean requireCallerAuth;

  public HttpApi(
      Vertx vertx,
      TokenCache cache,
      AccessPolicy policy,
      LocalRequestGuard guard,
      Readiness readiness,
      BrokerMetrics metrics,
      Dashboard dashboard,
      Clock clock) {
    this(vertx, cache, policy, guard, readiness, metrics, dashboard, clock, Role.ALL);
  }

  public HttpApi(
      Vertx vertx,
      TokenCache cache,
      AccessPolicy policy,
      LocalRequestGuard guard,
      Readiness readiness,
      BrokerMetrics metrics,
      Dashboard dashboard,
      Clock clock,
      Role role) {
    this.servesToken = role.token();
    this.cache = cache;
    this.policy = policy;
    this.guard = guard;
    this.metrics = metrics;
    this.clock = clock;
    this.router = Router.router(vertx);
    if (role.management()) {
      router
          .get("/metrics")
          .handler(
              rc ->
                  metrics
                      .scrape(vertx)
                      .onSuccess(
                          text ->
                              rc.response()
                                  .putHeader(
                                      HttpHeaders.CONTENT_TYPE,
                                      "text/plain; version=0.0.4; charset=utf-8")
                                  .end(text))
                      .onFailure(rc::fail));
      dashboard.mount(router, guard);
    }
    if (role.token()) {
      router
          .post("/v1/token/invalidate")
          .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
          .handler(this::guarded)
          .handler(this::invalidate);
    }
    if (role.management()) {
      HealthRoutes.mount(router, readiness);
    }
    router.errorHandler(404, rc -> notFound(rc.response()));
    router.errorHandler(
        405,
        rc -> {
          AllowedMethods.putAllow(router, rc);
          fail(rc, 405, "method_not_allowed", "method not allowed");
        });
    router.errorHandler(413, rc -> fail(rc, 413, "invalid_request", "request body too large"));
    router.errorHandler(400, rc -> fail(rc, 400, "invalid_request", "malformed request"));
    router.errorHandler(500, rc -> fail(rc, 500, "server_error", "internal error"));
  }

  /**
   * Caller identity on {@code GET /v1/token}: with {@code callers}, an {@code Authorization: Basic}
   * header is checked against {@code localClients} and the caller's {@code allow} list narrows what
   * it may have; with {@code required}, a request without valid credentials is refused ({@code
   * invalid_client}, 401). Call before the listener starts.
   */
  public HttpApi callers(CallerPolicy callers, boolean required) {
    this.callers = callers != null && callers.enabled() ? callers : null;
    this.requireCallerAuth = required && this.callers != null;
    return this;
  }

  /** The router for everything but the hot path (failure handlers are mounted on it). */
  public Router router() {
    return router;
  }

  @Override
  public void handle(HttpServerRequest req) {
    if (servesToken && "/v1/token".equals(req.path())) {
      token(req);
    } else {
      router.handle(req);
    }
  }

  private void token(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    if (req.method() != HttpMethod.GET) {
      resp.putHeader(HttpHeaders.ALLOW, "GET");
      ApiResponses.json(resp, 405, error("invalid_request", "use GET"));
      return;
    }
    TokenFailure refused = guard.check(req);
    if (refused != null) {
      metrics.request(Api.HTTP, Outcome.DENIED);
      ApiResponses.fail(resp, refused);
      return;
    }
    TokenKey key;
    try {
      CallerPolicy.Caller caller = callers == null ? null : caller(req);
      key = caller == null ? resolve(req) : resolve(req, caller);
    } catch (TokenFailure f) {
      metrics.request(Api.HTTP, Outcome.DENIED);
      ApiResponses.fail(resp, f);
      return;
    }
    ApiResponses.serveToken(cache, key, metrics, Api.HTTP, resp, writer, ApiResponses::fail);
  }

  private void write(HttpServerResponse resp, Token token) {
    if (resp.closed()) {
      return;
    }
    MultiMap h = resp.headers();
    h.add(HttpHeaders.CONTENT_TYPE, ApiResponses.APPLICATION_JSON);
    h.add(HttpHeaders.CACHE_CONTROL, ApiResponses.NO_STORE);
    resp.end(token.responseBody(clock.millis()));
  }

  private TokenKey resolve(HttpServerRequest req) {
    String query = req.query();
    if (query == null || query.isEmpty()) {
      throw TokenFailure.badRequest("audience is required");
    }
    TokenKey key = resolved.get(query);
    if (key != null) {
      return key;
    }
    if (query.length() > MAX_QUERY_LENGTH) {
      throw TokenFailure.badRequest("query string longer than " + MAX_QUERY_LENGTH + " characters");
    }
    MultiMap params;
    try {
      params = req.params();
    } catch (RuntimeException e) {
      throw TokenFailure.badRequest("malformed query string");
    }
    key =
        cache.canonical(
            policy.resolve(
                single(params, "audience"), single(params, "scope"), single(params, "client")));
    if (resolved.size() >= MAX_RESOLVED) {
      resolved.clear();
    }
    resolved.put(query, key);
    return key;
  }

  /** The authenticated caller, null when anonymous calls are allowed and none is named. */
  private CallerPolicy.Caller caller(HttpServerRequest req) {
    CallerPolicy.Credentials credentials =
        CallerPolicy.basic(req.headers().get(HttpHeaders.AUTHORIZATION));
    if (credentials == null) {
      if (requireCallerAuth) {
        throw CallerPolicy.invalidClient("client credentials (HTTP Basic) are required");
      }
      return null;
    }
    CallerPolicy.Caller caller = callers.authenticate(credentials);
    if (caller == null) {
      throw CallerPolicy.invalidClient("unknown client or wrong secret");
    }
    return caller;
  }

  /** A caller's request: its allow list applies, so the per-query resolution map is bypassed. */
  private TokenKey resolve(HttpServerRequest req, CallerPolicy.Caller caller) {
    String query = req.query();
    if (query != null && query.length() > MAX_QUERY_LENGTH) {
      throw TokenFailure.badRequest("query string longer than " + MAX_QUERY_LENGTH + " characters");
    }
    MultiMap params;
    try {
      params = req.params();
    } catch (RuntimeException e) {
      throw TokenFailure.badRequest("malformed query string");
    }
    return caller.resolve(single(params, "audience"), single(params, "scope"));
  }

  private static String single(MultiMap params, String name) {
    List<String> all = params.getAll(name);
    if (all.size() > 1) {
      throw TokenFailure.badRequest(name + " must be given once");
    }
    return all.isEmpty() ? null : all.get(0);
  }

  private void guarded(RoutingContext rc) {
    TokenFailure refused = guard.check(rc.request());
    if (refused != null) {
      ApiResponses.fail(rc.response(), refused);
    } else {
      rc.next();
    }
  }

  private void invalidate(RoutingContext rc) {
    JsonObject body;
    try {
      body = rc.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      ApiResponses.fail(rc.response(), TokenFailure.badRequest("body must be a JSON object"));
      return;
    }
    try {
      TokenKey key = policy.resolve(text(body, "audience"), text(body, "scope"), client(rc, body));
      String accessToken = text(body, "access_token");
      if (accessToken == null || accessToken.isEmpty()) {
        throw TokenFailure.badRequest("access_token is required");
      }
      // The only request-driven log line: tag it with the caller's request id.
      String requestId = requestId(rc.request().getHeader("X-Request-Id"));
      rc.response().putHeader("X-Request-Id", requestId);
      TokenCache.Invalidation outcome;
      JsonLogFormatter.REQUEST_ID.set(requestId);
      try {
        outcome = cache.invalidate(key, accessToken);
      } finally {
        JsonLogFormatter.REQUEST_ID.remove();
      }
      ApiResponses.json(
          rc.response(),
          202,
          new JsonObject().put("result", outcome.name().toLowerCase(Locale.ROOT)));
    } catch (TokenFailure f) {
      ApiResponses.fail(rc.response(), f);
    }
  }

  /** The {@code client} of the body or the query string (both only when they agree). */
  private static String client(RoutingContext rc, JsonObject body) {
    String inBody = text(body, "client");
    List<String> inQuery = rc.queryParam("client");
    if (inQuery.size() > 1) {
      throw TokenFailure.badRequest("client must be given once");
    }
    if (inQuery.isEmpty()) {
      return inBody;
    }
    if (inBody != null && !inBody.equals(inQuery.get(0))) {
      throw TokenFailure.badRequest("client differs between the query string and the body");
    }
    return inQuery.get(0);
  }

  static String requestId(String given) {
    return given != null && given.matches("[A-Za-z0-9._-]{1,64}")
        ? given
        : java.util.UUID.randomUUID().toString();
  }

  static String text(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw TokenFailure.badRequest(field + " must be a string");
    }
    return s;
  }

  private static JsonObject error(String error, String description) {
    return new JsonObject().put("error", error).put("error_description", description);
  }

  private static void notFound(HttpServerResponse resp) {
    ApiResponses.json(resp, 404, error("not_found", "no such endpoint"));
  }

  private static void fail(RoutingContext rc, int status, String error, String description) {
    ApiResponses.json(rc.response(), status, error(error, description));
  }
}
