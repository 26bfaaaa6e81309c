package dev.tokenbroker.broker.api.http.oauth;

import dev.tokenbroker.broker.api.http.ApiResponses;
import dev.tokenbroker.broker.api.http.LocalRequestGuard;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Api;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Outcome;
import dev.tokenbroker.broker.token.CallerPolicy;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenFailure;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * The drop-in token endpoint: {@code POST /oauth/token} per RFC 6749 §4.4 (client_credentials),
 * with the caller authenticated against {@code localClients} ({@code client_secret_basic} or {@code
 * client_secret_post}), and its RFC 8414 metadata at {@code
 * /.well-known/oauth-authorization-server} and {@code /.well-known/openid-configuration}. Tokens
 * come from the same {@link TokenCache} as {@code GET /v1/token}: single-flight, refresh and
 * serve-until-expiry are shared.
 *
 * <p>The peer, proxy-sign and Host rules of {@link LocalRequestGuard} apply, without the {@code
 * Token-Broker-Request} header: the caller's secret is this endpoint's SSRF defence. Answers are
 * RFC 6749 §5.1 and §5.2 (with RFC 8707's {@code invalid_target}); any upstream failure is {@code
 * 503 temporarily_unavailable} with {@code Retry-After}.
 */
public final class OAuthEndpoint {

  public static final String TOKEN_PATH = "/oauth/token";
  public static final String AUTHORIZATION_SERVER_METADATA =
      "/.well-known/oauth-authorization-server";
  public static final String OPENID_CONFIGURATION = "/.well-known/openid-configuration";

  /** Largest accepted form body; a client_credentials request is a few hundred bytes. */
  public static final int MAX_BODY_BYTES = 8 * 1024;

  private static final String FORM = "application/x-www-form-urlencoded";
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final CharSequence PRAGMA = HttpHeaders.createOptimized("Pragma");

  /** A failed fetch as the drop-in endpoint answers it (RFC 6749 error codes). */
  private static final ApiResponses.FailureWriter UPSTREAM_FAILURE =
      (resp, f) -> fail(resp, upstream(f));

  private final ApiResponses.TokenWriter writer = this::write;

  private final TokenCache cache;
  private final CallerPolicy callers;
  private final LocalRequestGuard guard;
  private final BrokerMetrics metrics;
  private final Clock clock;

  private OAuthEndpoint(
      TokenCache cache,
      CallerPolicy callers,
      LocalRequestGuard guard,
      BrokerMetrics metrics,
      Clock clock) {
    this.cache = cache;
    this.callers = callers;
    this.guard = guard;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Mounts the token endpoint and the metadata documents on a token listener's router. */
  public static void mount(
      Router router,
      TokenCache cache,
      CallerPolicy callers,
      LocalRequestGuard guard,
      BrokerMetrics metrics,
      Clock clock) {
    OAuthEndpoint e = new OAuthEndpoint(cache, callers, guard, metrics, clock);
    router
        .post(TOKEN_PATH)
        .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
        .handler(e::formOnly)
        .handler(e::token);
    router.get(AUTHORIZATION_SERVER_METADATA).handler(e::metadata);
    router.get(OPENID_CONFIGURATION).handler(e::metadata);
  }

  private void formOnly(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    TokenFailure refused = guard.checkWithoutHeader(req);
    if (refused == null && !isForm(req.getHeader(HttpHeaders.CONTENT_TYPE))) {
      refused = TokenFailure.badRequest("the body must be " + FORM);
    }
    if (refused != null) {
      metrics.request(Api.OAUTH, Outcome.DENIED);
      fail(rc.response(), refused);
      return;
    }
    rc.next();
  }

  private void token(RoutingContext rc) {
    HttpServerResponse resp = rc.response();
    TokenKey key;
    try {
      MultiMap form = rc.request().formAttributes();
      CallerPolicy.Caller caller = authenticate(rc.request(), form);
      String grant = single(form, "grant_type");
      if (grant == null || grant.isEmpty()) {
        throw TokenFailure.badRequest("grant_type is required");
      }
      if (!"client_credentials".equals(grant)) {
        throw new TokenFailure(
            400, "unsupported_grant_type", "only client_credentials is supported", null, 0);
      }
      key = caller.resolve(audience(form), single(form, "scope"));
    } catch (TokenFailure f) {
      metrics.request(Api.OAUTH, Outcome.DENIED);
      fail(resp, f);
      return;
    }
    ApiResponses.serveToken(cache, key, metrics, Api.OAUTH, resp, writer, UPSTREAM_FAILURE);
  }

  /**
   * {@code client_secret_basic} or {@code client_secret_post}, not both (RFC 6749 §2.3: one method
   * per request); a body {@code client_id} equal to the Basic id is tolerated.
   */
  private CallerPolicy.Caller authenticate(HttpServerRequest req, MultiMap form) {
    String authorization = req.getHeader(HttpHeaders.AUTHORIZATION);
    String postId = single(form, "client_id");
    String postSecret = single(form, "client_secret");
    CallerPolicy.Credentials credentials;
    if (authorization != null) {
      credentials = CallerPolicy.basic(authorization);
      if (credentials == null) {
        throw CallerPolicy.invalidClient("use HTTP Basic or client_secret_post");
      }
      if (postSecret != null || (postId != null && !postId.equals(credentials.clientId()))) {
        throw TokenFailure.badRequest("more than one client authentication method");
      }
    } else if (postId != null && postSecret != null) {
      credentials = new CallerPolicy.Credentials(postId, postSecret);
    } else {
      throw CallerPolicy.invalidClient("client authentication is required");
    }
    CallerPolicy.Caller caller = callers.authenticate(credentials);
    if (caller == null) {
      throw CallerPolicy.invalidClient("unknown client or wrong secret");
    }
    return caller;
  }

  /** {@code audience} or RFC 8707 {@code resource}; both may be sent when they agree. */
  private static String audience(MultiMap form) {
    List<String> resources = form.getAll("resource");
    if (resources.size() > 1) {
      throw new TokenFailure(400, "invalid_target", "one resource per request", null, 0);
    }
    String resource = resources.isEmpty() ? null : resources.get(0);
    String audience = single(form, "audience");
    if (audience != null && resource != null && !audience.equals(resource)) {
      throw TokenFailure.badRequest("audience and resource differ");
    }
    return audience != null ? audience : resource;
  }

  private static String single(MultiMap form, String name) {
    List<String> all = form.getAll(name);
    if (all.size() > 1) {
      throw TokenFailure.badRequest(name + " must be given once");
    }
    return all.isEmpty() ? null : all.get(0);
  }

  private void write(HttpServerResponse resp, Token token) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.putHeader(PRAGMA, NO_CACHE);
    ApiResponses.json(resp, 200, token.oauthResponseBody(clock.millis()));
  }

  private static void fail(HttpServerResponse resp, TokenFailure f) {
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.putHeader(PRAGMA, NO_CACHE);
    ApiResponses.fail(resp, f);
  }

  /** Upstream trouble of any kind, in RFC 6749 terms: try again later. */
  static TokenFailure upstream(TokenFailure f) {
    return new TokenFailure(
        503,
        "temporarily_unavailable",
        f.status() == 503 ? f.description() : "the upstream token endpoint refused the request",
        null,
        Math.max(1, f.retryAfterSeconds()));
  }

  private void metadata(RoutingContext rc) {
    TokenFailure refused = guard.checkWithoutHeader(rc.request());
    if (refused != null) {
      ApiResponses.fail(rc.response(), refused);
      return;
    }
    String issuer = issuer(rc.request().localAddress());
    ApiResponses.json(
        rc.response(),
        200,
        new JsonObject()
            .put("issuer", issuer)
            .put("token_endpoint", issuer + TOKEN_PATH)
            .put("grant_types_supported", new JsonArray().add("client_credentials"))
            .put(
                "token_endpoint_auth_methods_supported",
                new JsonArray().add("client_secret_basic").add("client_secret_post"))
            .put("response_types_supported", new JsonArray()));
  }

  /**
   * The listener's URL: {@code http://127.0.0.1:<port>} (an IPv6 address in brackets); on the Unix
   * socket {@code http://localhost}, the Host that {@code curl --unix-socket} sends.
   */
  static String issuer(SocketAddress local) {
    if (local == null || local.isDomainSocket() || local.port() <= 0) {
      return "http://localhost";
    }
    String host = local.hostAddress();
    if (host == null) {
      host = "127.0.0.1";
    } else if (host.indexOf(':') >= 0) {
      host = "[" + (host.equals("0:0:0:0:0:0:0:1") ? "::1" : host.toLowerCase(Locale.ROOT)) + "]";
    }
    return "http://" + host + ":" + local.port();
  }

  static boolean isForm(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
    return type.equalsIgnoreCase(FORM);
  }
}
