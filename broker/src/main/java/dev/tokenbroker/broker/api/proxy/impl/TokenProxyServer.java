package dev.tokenbroker.broker.api.proxy.impl;

import dev.tokenbroker.broker.api.proxy.TokenProxy;
import dev.tokenbroker.broker.config.ProxyOptions;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.http.HardenedHttpServer;
import dev.tokenbroker.common.http.RejectionLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The listener, the upstream client and the {@link HttpProxy} between them. */
public final class TokenProxyServer implements TokenProxy {

  private final Vertx vertx;
  private final ProxyOptions options;
  private final TokenKey key;
  private final TokenCache cache;
  private final BrokerMetrics metrics;
  private final RejectionLog rejections;
  private HttpClient client;
  private HttpServer server;

  public TokenProxyServer(
      Vertx vertx,
      ProxyOptions options,
      TokenKey key,
      TokenCache cache,
      BrokerMetrics metrics,
      RejectionLog rejections) {
    this.vertx = vertx;
    this.options = options;
    this.key = key;
    this.cache = cache;
    this.metrics = metrics;
    this.rejections = rejections;
  }

  @Override
  public String name() {
    return options.name();
  }

  @Override
  public Future<Integer> listen() {
    metrics.registerProxy(options.name());
    client =
        vertx.createHttpClient(
            clientOptions(options),
            new PoolOptions().setHttp1MaxSize(options.upstreamMaxConnections()));
    HttpProxy proxy =
        HttpProxy.reverseProxy(
                // WebSocket upgrades would bypass the interceptor (and forward the caller's
                // headers as they are): off, so an upgrade is proxied as a plain request.
                new io.vertx.httpproxy.ProxyOptions().setSupportWebSocket(false), client)
            .origin(this::origin)
            .addInterceptor(
                new TokenInjector(options.name(), key, cache, metrics, options.upstreamBasePath()));
    server =
        HardenedHttpServer.create(
            vertx,
            new HttpServerOptions().setHandle100ContinueAutomatically(true),
            options.limits(),
            rejections,
            proxy);
    return server.listen(options.port(), options.host()).map(HttpServer::actualPort);
  }

  /** Always the one upstream, whatever the request named; its authority is the Host sent. */
  private Future<HttpClientRequest> origin(ProxyContext ctx) {
    return ctx.client()
        .request(
            new RequestOptions()
                .setHost(options.upstreamHost())
                .setPort(options.upstreamPort())
                .setSsl(options.https()));
  }

  static HttpClientOptions clientOptions(ProxyOptions options) {
    HttpClientOptions o =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_1_1)
            .setKeepAlive(true)
            .setConnectTimeout(options.connectTimeoutMillis())
            .setSsl(options.https())
            .setVerifyHost(true)
            .setTrustAll(false);
    if (options.trustFile() != null) {
      o.setTrustOptions(new PemTrustOptions().addCertPath(options.trustFile().toString()));
    }
    return o;
  }

  @Override
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<Void> shutdown(long timeoutMillis) {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    if (server != null) {
      closing.add(server.close());
    }
    if (client != null) {
      closing.add(client.close());
    }
    return Future.join(closing).mapEmpty();
  }
}
