package dev.tokenbroker.broker.api.proxy;

import dev.tokenbroker.broker.api.proxy.impl.TokenProxyServer;
import dev.tokenbroker.broker.config.ProxyOptions;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.http.RejectionLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A token-injecting forward proxy (one {@code proxies} entry): a local listener whose every request
 * goes to the one configured upstream with {@code Authorization: Bearer <token>} from the {@link
 * TokenCache}, built on {@code vertx-http-proxy}.
 *
 * <ul>
 *   <li>The origin is fixed: an absolute-form target or a {@code Host} naming another host changes
 *       nothing (the path and query are forwarded to the upstream, whose authority is the {@code
 *       Host} sent); {@code CONNECT} and targets that are not a path are refused (405/400). It is
 *       not an open proxy.
 *   <li>The caller's own {@code Authorization} and {@code Proxy-Authorization}, the hop-by-hop
 *       headers and the headers named in {@code Connection} are never forwarded.
 *   <li>No valid token: 503 with a JSON error; nothing is forwarded without a token.
 *   <li>An upstream 401 invalidates the token (the cache's rate-limited invalidation, the same as
 *       {@code POST /v1/token/invalidate}) and retries once with a fresh one, for bodyless
 *       GET/HEAD/OPTIONS/PUT/DELETE only: a body has been streamed upstream and cannot be replayed.
 *   <li>The upstream's certificate and host name are verified (the JDK's trust store, or {@code
 *       trustFile}); a failed handshake or connection is 502.
 * </ul>
 *
 * <p><b>Threading:</b> create and listen on the broker verticle's context: the cache is confined to
 * it, and so are the proxy's server and client.
 */
public interface TokenProxy {

  static TokenProxy create(
      Vertx vertx,
      ProxyOptions options,
      TokenKey key,
      TokenCache cache,
      BrokerMetrics metrics,
      RejectionLog rejections) {
    return new TokenProxyServer(vertx, options, key, cache, metrics, rejections);
  }

  /** The {@code proxy} metrics label: the entry's {@code name}, by default its port. */
  String name();

  /** Binds the listener; the bound port. */
  Future<Integer> listen();

  /** The bound port, or -1 before {@link #listen()}. */
  int actualPort();

  /** Stops accepting connections and lets requests in flight finish for up to the timeout. */
  Future<Void> shutdown(long timeoutMillis);

  /** Closes the listener and the upstream connections. */
  Future<Void> close();
}
