package dev.tokenbroker.broker;

import dev.tokenbroker.broker.api.eventbus.EventBusApi;
import dev.tokenbroker.broker.api.eventbus.RefreshPublisher;
import dev.tokenbroker.broker.api.http.Dashboard;
import dev.tokenbroker.broker.api.http.HttpApi;
import dev.tokenbroker.broker.api.http.LocalRequestGuard;
import dev.tokenbroker.broker.api.http.Readiness;
import dev.tokenbroker.broker.config.BrokerOptions;
import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.token.AccessPolicy;
import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.http.HardenedHttpServer;
import dev.tokenbroker.common.http.InputFailures;
import dev.tokenbroker.common.http.RejectionLog;
import dev.tokenbroker.common.net.Loopback;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The broker: IdP client, token cache, HTTP API, event-bus API and TCP bridge, all on this
 * verticle's event loop (the cache is confined to it; see {@link TokenCache}). Deploy one instance.
 */
public final class BrokerVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(BrokerVerticle.class.getName());

  private final BrokerOptions options;
  private final Clock clock;
  private final boolean periodicTick;
  private final List<CacheListener> extraListeners = new ArrayList<>();
  private final BrokerMetrics metrics;
  private Dashboard dashboard;
  private IdpClient idp;
  private TokenCache cache;
  private EventBusApi eventBusApi;
  private HttpServer server;

  /**
   * @param periodicTick false in tests that drive {@link TokenCache#tick()} themselves with a fake
   *     clock
   */
  public BrokerVerticle(BrokerOptions options, Clock clock, boolean periodicTick) {
    this(options, clock, periodicTick, BrokerMetrics.newRegistry());
  }

  /**
   * @param registry where the broker's meters go; {@link Main} passes the registry that also holds
   *     the Vert.x HTTP server metrics, so one scrape serves both
   */
  public BrokerVerticle(
      BrokerOptions options, Clock clock, boolean periodicTick, PrometheusMeterRegistry registry) {
    this.options = options;
    this.clock = clock;
    this.periodicTick = periodicTick;
    this.metrics = new BrokerMetrics(registry, clock);
  }

  /** Adds a listener before deployment (metrics, tests). */
  public BrokerVerticle listener(CacheListener listener) {
    extraListeners.add(listener);
    return this;
  }

  @Override
  public Future<?> start() {
    idp = IdpClient.create(vertx, options.idp(), options.retry(), clock);
    LOG.info(
        "IdP client ready: "
            + (options.idp().tokenEndpoint() != null
                ? "token endpoint " + options.idp().tokenEndpoint()
                : "discovery from " + options.idp().issuer())
            + ", client "
            + options.idp().clientId()
            + ", "
            + options.idp().authMethod().wireName()
            + ", audience parameter "
            + options.idp().audienceParameter().wireName());
    AccessPolicy policy = new AccessPolicy(options.tokens());
    List<CacheListener> listeners = new ArrayList<>();
    listeners.add(new RefreshPublisher(vertx.eventBus()));
    listeners.add(metrics);
    CacheListener[] dashboardHook = new CacheListener[1];
    listeners.add(
        new CacheListener() {
          @Override
          public void refreshed(Token token, long latencyMillis) {
            dashboardHook[0].refreshed(token, latencyMillis);
          }

          @Override
          public void fetchFailed(
              TokenKey key, IdpException failure, long latencyMillis, long next) {
            dashboardHook[0].fetchFailed(key, failure, latencyMillis, next);
          }

          @Override
          public void evicted(TokenKey key, String reason) {
            dashboardHook[0].evicted(key, reason);
          }
        });
    listeners.addAll(extraListeners);
    cache =
        new TokenCache(
                vertx,
                idp,
                clock,
                options.cache(),
                options.retry(),
                CacheListener.all(listeners),
                System.nanoTime())
            .maxBackgroundFetches(options.idp().maxConcurrentRequests());
    metrics.bind(cache, idp);
    dashboard = new Dashboard(vertx, cache, idp, clock);
    dashboardHook[0] = dashboard;
    eventBusApi = new EventBusApi(vertx, cache, policy, metrics, clock);
    Readiness readiness = new Readiness(cache, idp, clock);
    HttpApi httpApi =
        new HttpApi(
            vertx,
            cache,
            policy,
            // Bound to a loopback address, no other host can connect: the per-request peer check
            // would only repeat what the socket already guarantees.
            new LocalRequestGuard(
                options.http().allowNonLoopbackClients()
                    || Loopback.isLoopbackHost(options.http().host())),
            readiness,
            metrics,
            dashboard,
            clock);
    List<TokenKey> prefetch = policy.prefetchKeys();
    RejectionLog rejections = RejectionLog.create("dev.tokenbroker.broker.http", metrics::rejected);
    // Input failures (undecodable bodies, connections broken mid-body) are the client's: counted,
    // rate-limited, no stack trace.
    httpApi.router().route().failureHandler(InputFailures.handler(rejections));
    return dashboard
        .load()
        .compose(v -> eventBusApi.register())
        .compose(
            v -> {
              LOG.info(
                  "event-bus API registered: " + EventBusApi.TOKEN + ", " + EventBusApi.INVALIDATE);
              cache.start(prefetch, periodicTick);
              LOG.info("prefetching " + prefetch.size() + " token(s) in the background");
              return HardenedHttpServer.create(
                      vertx,
                      new HttpServerOptions()
                          .setHost(options.http().host())
                          .setPort(options.http().port()),
                      options.http().limits(),
                      rejections,
                      httpApi)
                  .listen();
            })
        .compose(
            s -> {
              server = s;
              LOG.info(
                  "HTTP API listening on http://" + options.http().host() + ":" + s.actualPort());
              return eventBusApi.startBridge(options.tcpBridge());
            })
        .onSuccess(
            port -> {
              if (port >= 0) {
                LOG.info(
                    "TCP event-bus bridge listening on " + options.tcpBridge().host() + ":" + port);
              }
            });
  }

  @Override
  public Future<?> stop() {
    if (cache != null) {
      cache.stop();
    }
    if (dashboard != null) {
      dashboard.close();
    }
    List<Future<?>> closing = new ArrayList<>();
    if (server != null) {
      closing.add(server.close());
    }
    if (eventBusApi != null) {
      closing.add(eventBusApi.close());
    }
    if (idp != null) {
      closing.add(idp.close());
    }
    return Future.join(closing);
  }

  public int actualHttpPort() {
    return server == null ? -1 : server.actualPort();
  }

  public BrokerMetrics metrics() {
    return metrics;
  }

  public TokenCache cache() {
    return cache;
  }

  /** The event-loop context the cache is confined to. */
  public io.vertx.core.Context context() {
    return context;
  }
}
