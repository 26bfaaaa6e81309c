package dev.tokenbroker.broker.api.eventbus;

import dev.tokenbroker.broker.config.TcpBridgeOptions;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Api;
import dev.tokenbroker.broker.metrics.BrokerMetrics.Outcome;
import dev.tokenbroker.broker.token.AccessPolicy;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenFailure;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The event-bus API.
 *
 * <ul>
 *   <li>{@value #TOKEN} (request/reply): {@code {"audience","scope","client"}} ({@code scope} and
 *       {@code client} optional, as on {@code GET /v1/token}) → the HTTP API's token JSON; failures
 *       are {@code message.fail(httpStatus, "error: description")}.
 *   <li>{@value #INVALIDATE} (request/reply): {@code {"audience","scope","client","access_token"}}
 *       → {@code {"result": "invalidated" | "not_current" | "rate_limited"}}.
 *   <li>{@value #REFRESHED} (publish): {@code {"client","audience","scope","expires_at"}} after
 *       every refresh; never the token.
 * </ul>
 *
 * The TCP bridge ({@link TcpBridge}) exposes exactly these addresses to other processes on the
 * host: {@value #TOKEN} and {@value #INVALIDATE} inbound, {@value #REFRESHED} outbound.
 */
public final class EventBusApi {

  public static final String TOKEN = "token-broker.token";
  public static final String INVALIDATE = "token-broker.invalidate";
  public static final String REFRESHED = "token-broker.refreshed";

  private static final int MAX_RESOLVED = 4096;

  private final Vertx vertx;
  private final TokenCache cache;
  private final AccessPolicy policy;
  private final BrokerMetrics metrics;
  private final Clock clock;
  private final Map<Request, TokenKey> resolved = new HashMap<>();
  private List<MessageConsumer<Object>> consumers = List.of();
  private TcpBridge bridge;
  private boolean localOnly;

  public EventBusApi(
      Vertx vertx, TokenCache cache, AccessPolicy policy, BrokerMetrics metrics, Clock clock) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.cache = cache;
    this.policy = policy;
    this.clock = clock;
  }

  /**
   * On a clustered Vert.x (fleet mode), whether the consumers stay local to this JVM ({@code
   * localConsumer}) instead of answering the whole cluster: a reply carries the token. Call before
   * {@link #register()}; no effect without a cluster.
   */
  public EventBusApi localOnly(boolean localOnly) {
    this.localOnly = localOnly;
    return this;
  }

  /** Registers the consumers (call on the cache's context). */
  public Future<Void> register() {
    MessageConsumer<Object> token =
        localOnly
            ? vertx.eventBus().localConsumer(TOKEN, this::token)
            : vertx.eventBus().consumer(TOKEN, this::token);
    MessageConsumer<Object> invalidate =
        localOnly
            ? vertx.eventBus().localConsumer(INVALIDATE, this::invalidate)
            : vertx.eventBus().consumer(INVALIDATE, this::invalidate);
    consumers = List.of(token, invalidate);
    return Future.all(token.completion(), invalidate.completion()).mapEmpty();
  }

  /**
   * Starts the TCP bridge, permitting only this API's addresses (call on the cache's context).
   *
   * @return the bound port (the real one when {@code port} is 0), or -1 when disabled
   */
  public Future<Integer> startBridge(TcpBridgeOptions options) {
    if (!options.enabled()) {
      return Future.succeededFuture(-1);
    }
    bridge =
        TcpBridge.create(
            vertx, options, Set.of(TOKEN, INVALIDATE), Set.of(REFRESHED), metrics, clock);
    return bridge.listen();
  }

  public Future<Void> close() {
    Future<Void> b = bridge == null ? Future.succeededFuture() : bridge.close();
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList())
        .compose(v -> b)
        .mapEmpty();
  }

  private void token(Message<Object> msg) {
    TokenKey key;
    try {
      JsonObject body = body(msg);
      key = resolve(text(body, "audience"), scope(body), text(body, "client"));
    } catch (TokenFailure f) {
      metrics.request(Api.EVENTBUS, Outcome.DENIED);
      fail(msg, f);
      return;
    }
    Token held = cache.peek(key);
    if (held != null) { // the warm path: no future, no callback
      metrics.request(Api.EVENTBUS, Outcome.HIT);
      msg.reply(held.toResponseJson(clock.millis()));
      return;
    }
    cache
        .get(key)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                metrics.request(Api.EVENTBUS, Outcome.WAIT);
                msg.reply(ar.result().toResponseJson(clock.millis()));
              } else {
                metrics.request(Api.EVENTBUS, Outcome.ERROR);
                fail(
                    msg,
                    ar.cause() instanceof TokenFailure f
                        ? f
                        : TokenFailure.unavailable("the token could not be obtained", 1));
              }
            });
  }

  /**
   * {@link AccessPolicy#resolve}, remembered per request (as the HTTP API does per query string):
   * the policy scans every configured entry, a third of the event loop with 1,000 of them. Refusals
   * are not remembered; the map is cleared when it reaches {@value #MAX_RESOLVED} requests.
   */
  private TokenKey resolve(String audience, String scope, String client) {
    Request request = new Request(audience, scope, client);
    TokenKey key = resolved.get(request);
    if (key == null) {
      key = cache.canonical(policy.resolve(audience, scope, client));
      if (resolved.size() >= MAX_RESOLVED) {
        resolved.clear();
      }
      resolved.put(request, key);
    }
    return key;
  }

  private record Request(String audience, String scope, String client) {}

  private void invalidate(Message<Object> msg) {
    try {
      JsonObject body = body(msg);
      TokenKey key = policy.resolve(text(body, "audience"), scope(body), text(body, "client"));
      String accessToken = text(body, "access_token");
      if (accessToken == null || accessToken.isEmpty()) {
        throw TokenFailure.badRequest("access_token is required");
      }
      msg.reply(
          new JsonObject()
              .put("result", cache.invalidate(key, accessToken).name().toLowerCase(Locale.ROOT)));
    } catch (TokenFailure f) {
      fail(msg, f);
    }
  }

  private static JsonObject body(Message<Object> msg) {
    if (msg.body() instanceof JsonObject o) {
      return o;
    }
    throw TokenFailure.badRequest("the message body must be a JSON object");
  }

  private static String scope(JsonObject body) {
    Object v = body.getValue("scope");
    if (v instanceof JsonArray arr) {
      StringBuilder sb = new StringBuilder();
      for (Object s : arr) {
        if (!(s instanceof String str)) {
          throw TokenFailure.badRequest("scope must be a string or a list of strings");
        }
        sb.append(sb.length() == 0 ? "" : " ").append(str);
      }
      return sb.toString();
    }
    return text(body, "scope");
  }

  private static String text(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw TokenFailure.badRequest(field + " must be a string");
    }
    return (String) v;
  }

  private static void fail(Message<Object> msg, TokenFailure f) {
    String text =
        f.idpError() != null
            ? f.error() + " (" + f.idpError() + "): " + f.description()
            : f.error() + ": " + f.description();
    msg.fail(f.status(), text);
  }
}
