package dev.tokenbroker.broker;

import dev.tokenbroker.broker.api.eventbus.EventBusApi;
import dev.tokenbroker.broker.api.eventbus.RefreshPublisher;
import dev.tokenbroker.broker.api.http.Dashboard;
import dev.tokenbroker.broker.api.http.HttpApi;
import dev.tokenbroker.broker.api.http.LocalRequestGuard;
import dev.tokenbroker.broker.api.http.Readiness;
import dev.tokenbroker.broker.api.http.UnixSocketFile;
import dev.tokenbroker.broker.api.http.oauth.OAuthEndpoint;
import dev.tokenbroker.broker.api.proxy.TokenProxy;
import dev.tokenbroker.broker.cluster.Fleet;
import dev.tokenbroker.broker.cluster.FleetNode;
import dev.tokenbroker.broker.config.BrokerOptions;
import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.config.ManagementOptions;
import dev.tokenbroker.broker.config.ProxyOptions;
import dev.tokenbroker.broker.config.TokenEntryOptions;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.NamedIdpClients;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import dev.tokenbroker.broker.token.AccessPolicy;
import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.CallerPolicy;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.http.HardenedHttpServer;
import dev.tokenbroker.common.http.InputFailures;
import dev.tokenbroker.common.http.ListenerLimits;
import dev.tokenbroker.common.http.ListenerStats;
import dev.tokenbroker.common.http.RejectionLog;
import dev.tokenbroker.common.net.Loopback;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

  /** The token listeners (TCP and Unix socket), for {@code token_broker_http_*{listener="api"}}. */
  private final ListenerStats apiStats = new ListenerStats();

  private Dashboard dashboard;
  private NamedIdpClients idps;
  private TokenCache cache;
  private EventBusApi eventBusApi;
  private HttpServer server;
  private HttpServer unixServer;
  private HttpServer managementServer;
  private final List<HttpServer> tokenServers = new ArrayList<>();
  private final List<TokenProxy> proxies = new ArrayList<>();
  private Readiness readiness;
  private RejectionLog rejections;
  private CallerPolicy callers;
  private FleetNode fleetNode;
  private Fleet fleet;

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

  /**
   * Fleet mode: fetch through the fleet {@code node} joined (its clustered Vert.x runs this
   * verticle). Call before deployment.
   */
  public BrokerVerticle fleet(FleetNode node) {
    this.fleetNode = node;
    return this;
  }

  @Override
  public Future<?> start() {
    idps = NamedIdpClients.create(vertx, options.clients(), options.retry(), clock);
    options.clients().forEach(BrokerVerticle::logClient);
    options.clients().keySet().stream()
        .filter(name -> options.tokens().stream().noneMatch(t -> t.client().equals(name)))
        .forEach(
            name -> LOG.warning("IdP client " + name + " has no tokens entry: it is never used"));
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
            idps,
            clock,
            options.cache(),
            options.retry(),
            CacheListener.all(listeners),
            System.nanoTime());
    options
        .clients()
        .forEach((name, c) -> cache.maxBackgroundFetches(name, c.maxConcurrentRequests()));
    metrics.bind(cache, idps);
    metrics.bindListener("api", apiStats);
    if (fleetNode != null) {
      // A lease outlives the slowest IdP request, so a holder that died mid-fetch frees it soon.
      long lease =
          options.clients().values().stream()
                  .mapToLong(IdpOptions::requestTimeoutMillis)
                  .max()
                  .orElse(IdpOptions.DEFAULT_REQUEST_TIMEOUT_MILLIS)
              + 1_000;
      fleet =
          fleetNode.fleet(
              vertx,
              clock,
              lease,
              new Fleet.Listener() {
                @Override
                public void tokenReceived(TokenKey key) {
                  metrics.clusterTokenReceived();
                }

                @Override
                public void leaseWaited(TokenKey key) {
                  metrics.clusterLeaseWait();
                }
              });
      cache.fleet(fleet);
      metrics.bindCluster(fleetNode::members);
    }
    dashboard = new Dashboard(vertx, cache, idps, clock);
    dashboardHook[0] = dashboard;
    eventBusApi = new EventBusApi(vertx, cache, policy, metrics, clock);
    readiness = new Readiness(cache, idps, clock);
    if (fleet != null) {
      readiness.cluster(fleet::status);
      eventBusApi.localOnly(!FleetNode.remoteConsumersAllowed(fleetNode.options()));
    }
    boolean management = options.management() != null;
    // Bound to a loopback address, no other host can connect: the per-request peer check would
    // only repeat what the socket already guarantees.
    LocalRequestGuard tokenGuard =
        new LocalRequestGuard(
            options.http().allowNonLoopbackClients()
                || Loopback.isLoopbackHost(options.http().host()));
    HttpApi tokenApi =
        new HttpApi(
            vertx,
            cache,
            policy,
            tokenGuard,
            readiness,
            metrics,
            dashboard,
            clock,
            management ? HttpApi.Role.TOKEN : HttpApi.Role.ALL);
    callers = new CallerPolicy(vertx, options.localClients(), policy);
    if (callers.enabled()) {
      tokenApi.callers(callers, options.http().requireCallerAuth());
      OAuthEndpoint.mount(tokenApi.router(), cache, callers, tokenGuard, metrics, clock);
      LOG.info(
          "drop-in token endpoint "
              + OAuthEndpoint.TOKEN_PATH
              + " on for "
              + options.localClients().size()
              + " local client(s)"
              + (options.http().requireCallerAuth()
                  ? "; GET /v1/token requires their credentials"
                  : ""));
    }
    List<TokenKey> prefetch = policy.prefetchKeys();
    rejections = RejectionLog.create("dev.tokenbroker.broker.http", metrics::rejected);
    // Input failures (undecodable bodies, connections broken mid-body) are the client's: counted,
    // rate-limited, no stack trace.
    tokenApi.router().route().failureHandler(InputFailures.handler(rejections));
    return dashboard
        .load()
        .compose(v -> fleet == null ? Future.succeededFuture() : fleet.start(cache::receive))
        .compose(v -> eventBusApi.register())
        .compose(
            v -> {
              LOG.info(
                  "event-bus API registered: " + EventBusApi.TOKEN + ", " + EventBusApi.INVALIDATE);
              cache.start(prefetch, periodicTick);
              LOG.info("prefetching " + prefetch.size() + " token(s) in the background");
              return listenTcp(tokenApi);
            })
        .compose(v -> listenUnixSocket(tokenApi))
        .compose(v -> management ? listenManagement(policy) : Future.succeededFuture())
        .compose(v -> listenProxies(policy))
        .compose(v -> eventBusApi.startBridge(options.tcpBridge()))
        .onSuccess(
            port -> {
              if (port >= 0) {
                LOG.info(
                    "TCP event-bus bridge listening on " + options.tcpBridge().host() + ":" + port);
              }
            });
  }

  private static void logClient(String name, IdpOptions idp) {
    LOG.info(
        (TokenEntryOptions.DEFAULT_CLIENT.equals(name)
                ? "IdP client ready: "
                : "IdP client " + name + " ready: ")
            + (idp.tokenEndpoint() != null
                ? "token endpoint " + idp.tokenEndpoint()
                : "discovery from " + idp.issuer())
            + ", client "
            + idp.clientId()
            + ", "
            + idp.authMethod().wireName()
            + ", audience parameter "
            + idp.audienceParameter().wireName());
  }

  /**
   * A listener with the connection and request-shape limits of {@code limits} (see {@link
   * HardenedHttpServer}); every listener of the broker is made here.
   */
  private HttpServer hardenedServer(ListenerLimits limits, HttpApi api, ListenerStats stats) {
    return HardenedHttpServer.create(
        vertx, new HttpServerOptions(), limits, rejections, api, stats, true);
  }

  private Future<Void> listenTcp(HttpApi api) {
    if (!options.http().tcpEnabled()) {
      LOG.info("HTTP API on TCP switched off (http.port: -1)");
      return Future.succeededFuture();
    }
    return hardenedServer(options.http().limits(), api, apiStats)
        .listen(options.http().port(), options.http().host())
        .map(
            s -> {
              server = s;
              tokenServers.add(s);
              LOG.info(
                  "HTTP API listening on http://" + options.http().host() + ":" + s.actualPort());
              return null;
            });
  }

  /** Binds the token API to {@code http.unixSocket}; file checks and chmod on a worker thread. */
  private Future<Void> listenUnixSocket(HttpApi api) {
    Path path = options.http().unixSocket();
    if (path == null) {
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(
            () -> {
              UnixSocketFile.prepare(path);
              return null;
            })
        .compose(
            v ->
                hardenedServer(options.http().limits(), api, apiStats)
                    .listen(SocketAddress.domainSocketAddress(path.toString())))
        .compose(
            s -> {
              unixServer = s;
              tokenServers.add(s);
              return vertx.executeBlocking(
                  () -> {
                    UnixSocketFile.restrict(path, options.http().unixSocketPermissions());
                    return null;
                  });
            })
        .map(
            v -> {
              LOG.info(
                  "HTTP API listening on unix:"
                      + path
                      + " (mode "
                      + PosixFilePermissions.toString(options.http().unixSocketPermissions())
                      + ")");
              return null;
            });
  }

  /** Health, metrics and dashboard on their own listener; no token endpoint there. */
  private Future<Void> listenManagement(AccessPolicy policy) {
    ManagementOptions m = options.management();
    // The dashboard's DNS-rebinding check (Host must name a loopback address) holds while the
    // listener is bound to loopback; bound to the pod IP or 0.0.0.0 it is reached by that name.
    boolean loopback = LocalRequestGuard.isLoopbackName(m.host());
    HttpApi api =
        new HttpApi(
            vertx,
            cache,
            policy,
            new LocalRequestGuard(true, !loopback),
            readiness,
            metrics,
            dashboard,
            clock,
            HttpApi.Role.MANAGEMENT);
    api.router().route().failureHandler(InputFailures.handler(rejections));
    ListenerStats stats = new ListenerStats();
    metrics.bindListener("management", stats);
    return hardenedServer(m.limits(), api, stats)
        .listen(m.port(), m.host())
        .map(
            s -> {
              managementServer = s;
              LOG.info(
                  "management listening on http://"
                      + m.host()
                      + ":"
                      + s.actualPort()
                      + " (health, metrics, dashboard)");
              return null;
            });
  }

  /** One token-injecting proxy per {@code proxies} entry, one after the other. */
  private Future<Void> listenProxies(AccessPolicy policy) {
    Future<Void> chain = Future.succeededFuture();
    for (ProxyOptions p : options.proxies()) {
      // Validated against tokens at load time; resolve() gives the same canonical key as
      // GET /v1/token?audience=...&scope=..., so both share one cache entry.
      TokenKey key =
          policy.resolve(
              p.audience(), p.scopes().isEmpty() ? null : String.join(" ", p.scopes()), p.client());
      TokenProxy proxy = TokenProxy.create(vertx, p, key, cache, metrics, rejections);
      proxies.add(proxy);
      chain =
          chain
              .compose(v -> proxy.listen())
              .map(
                  port -> {
                    LOG.info(
                        "proxy "
                            + p.name()
                            + " listening on http://"
                            + p.host()
                            + ":"
                            + port
                            + " -> "
                            + p.upstream()
                            + " (token for "
                            + key
                            + ")");
                    return null;
                  });
    }
    return chain;
  }

  /**
   * The graceful part of a stop (SIGTERM): readiness turns 503 at once; the token listeners stop
   * accepting connections and answer the requests in flight, for up to {@code timeoutMillis}; then
   * the management listener closes. May be called from any thread; {@link #stop()} follows.
   */
  public Future<Void> drain(long timeoutMillis) {
    if (readiness != null) {
      readiness.stopping();
    }
    if (context == null) {
      return Future.succeededFuture();
    }
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    context.runOnContext(
        v -> {
          List<Future<Void>> closing = new ArrayList<>();
          for (HttpServer s : tokenServers) {
            closing.add(s.shutdown(timeoutMillis, TimeUnit.MILLISECONDS));
          }
          for (TokenProxy p : proxies) {
            closing.add(p.shutdown(timeoutMillis));
          }
          Future.join(closing)
              .transform(
                  ar -> {
                    if (dashboard != null) {
                      dashboard.close();
                    }
                    return managementServer == null
                        ? Future.<Void>succeededFuture()
                        : managementServer.shutdown(500, TimeUnit.MILLISECONDS);
                  })
              .onComplete(ar -> done.complete());
        });
    return done.future();
  }

  @Override
  public Future<?> stop() {
    if (cache != null) {
      cache.stop();
    }
    if (callers != null) {
      callers.close();
    }
    if (dashboard != null) {
      dashboard.close();
    }
    List<Future<?>> closing = new ArrayList<>();
    if (server != null) {
      closing.add(server.close());
    }
    if (managementServer != null) {
      closing.add(managementServer.close());
    }
    if (unixServer != null) {
      Path socket = options.http().unixSocket();
      closing.add(
          unixServer
              .close()
              .eventually(
                  () ->
                      vertx.executeBlocking(
                          () -> {
                            UnixSocketFile.remove(socket);
                            return null;
                          })));
    }
    for (TokenProxy p : proxies) {
      closing.add(p.close());
    }
    if (eventBusApi != null) {
      closing.add(eventBusApi.close());
    }
    if (fleet != null) {
      closing.add(fleet.close());
    }
    if (idps != null) {
      closing.add(idps.close());
    }
    return Future.join(closing);
  }

  public int actualHttpPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** The management listener's port, or -1 without one. */
  public int actualManagementPort() {
    return managementServer == null ? -1 : managementServer.actualPort();
  }

  /** The bound port of proxy {@code name} ({@code proxies[].name}), or -1 without one. */
  public int actualProxyPort(String name) {
    for (TokenProxy p : proxies) {
      if (p.name().equals(name)) {
        return p.actualPort();
      }
    }
    return -1;
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
