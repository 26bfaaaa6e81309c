package dev.tokenbroker.broker.metrics;

import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.NamedIdpClients;
import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.KeyState;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.common.http.ListenerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Every metric the broker exports, with its names and tags in one place. Keys appear as {@code
 * client}, {@code audience} and {@code scope} tags; their number is bounded by {@code
 * cache.maxKeys}. The IdP series carry the {@code client} tag too ({@code default} for the {@code
 * idp} block). Per-key gauges are recomputed at each scrape, so an evicted key disappears from the
 * next scrape.
 *
 * <p><b>Threading:</b> the cache is confined to its event loop, and rendering every meter is too
 * slow for it. {@link #scrape(Vertx)} therefore takes an immutable {@link Snapshot} of the cache
 * and breaker on the event loop, publishes it in a volatile field, and renders on a worker; every
 * gauge reads that snapshot, never the cache, whichever thread scrapes the registry.
 *
 * <ul>
 *   <li>{@code token_broker_token_requests_total{api,outcome}}: api http | eventbus | oauth,
 *       outcome hit | wait | denied | error
 *   <li>{@code token_broker_idp_requests_total{client,outcome,status}}
 *   <li>{@code token_broker_idp_request_duration_seconds{client}} (histogram)
 *   <li>{@code token_broker_refreshes_total{client,audience,scope,outcome}}
 *   <li>{@code token_broker_token_expiry_seconds{client,audience,scope}} (0 when none is held)
 *   <li>{@code token_broker_last_refresh_age_seconds{client,audience,scope}}
 *   <li>{@code token_broker_backoff_seconds{client,audience,scope}}
 *   <li>{@code token_broker_cache_keys}, {@code token_broker_fetches_in_flight}
 *   <li>{@code token_broker_circuit_breaker_state{client,state}} (1 for the client's current state)
 *   <li>{@code token_broker_http_connections{listener}}, {@code
 *       token_broker_http_active_requests{listener}}: listener api | management (Vert.x's
 *       per-request HTTP-server meters are off, see {@code Main})
 *   <li>{@code token_broker_rejected_requests_total{reason}}: hostile or malformed input (HTTP and
 *       the TCP bridge) refused (reasons are fixed texts from the code, never request data)
 *   <li>{@code token_broker_proxy_requests_total{proxy,outcome}}: each request to a token-injecting
 *       proxy, counted once by how it ended ({@link ProxyOutcome})
 *   <li>{@code token_broker_proxy_upstream_responses_total{proxy,status}}: every upstream answer by
 *       status class ({@code 2xx} ... {@code 5xx}), the 401 before a retry included
 * </ul>
 */
public final class BrokerMetrics implements CacheListener {

  /** Where a token request came from. */
  public enum Api {
    HTTP,
    EVENTBUS,
    /** The drop-in RFC 6749 endpoint, {@code POST /oauth/token}. */
    OAUTH
  }

  /** How a token request ended. */
  public enum Outcome {
    HIT,
    WAIT,
    DENIED,
    ERROR
  }

  /** How a request to a token-injecting proxy ended. */
  public enum ProxyOutcome {
    /** The upstream answered (any status) on the first attempt. */
    FORWARDED,
    /** The upstream answered 401, the token was invalidated and the retry got this answer. */
    RETRIED_AFTER_401,
    /** No valid token could be had: 503, nothing forwarded. */
    NO_TOKEN,
    /** The upstream could not be reached or its certificate was refused: 502. */
    UPSTREAM_FAILED,
    /** Refused before forwarding (CONNECT, a target that is not a path): 4xx. */
    REFUSED
  }

  private static final int OUTCOMES = Outcome.values().length;

  private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  private final PrometheusMeterRegistry registry;
  private final Clock clock;

  /**
   * Token requests by {@code [api][outcome]}, counted with plain stores: every API runs on the
   * broker verticle's event loop, the only writer, so no lock-prefixed increment or Micrometer
   * lookup is on the hot path; {@link FunctionCounter}s read them (opaque reads) at scrape time.
   */
  private final AtomicLongArray requests =
      new AtomicLongArray(Api.values().length * Outcome.values().length);

  private final Map<String, Timer> idpLatency = new java.util.concurrent.ConcurrentHashMap<>();
  private final MultiGauge expiry;
  private final MultiGauge refreshAge;
  private final MultiGauge backoff;
  private volatile Counter clusterTokensReceived;
  private volatile Counter clusterLeaseWaits;
  private final Map<String, Counter> rejected = new java.util.concurrent.ConcurrentHashMap<>();
  private TokenCache cache;
  private NamedIdpClients idps;
  private final List<ListenerStats> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile Snapshot snapshot = new Snapshot(0, List.of(), 0, 0, Map.of(), new int[0]);

  /**
   * The cache, breakers (by client) and HTTP listeners as the event loop last saw them; immutable.
   * {@code listeners} holds, per {@link #bindListener} in order, open connections then active
   * requests.
   */
  record Snapshot(
      long atMillis,
      List<KeyState> keys,
      int size,
      int inFlight,
      Map<String, String> breakers,
      int[] listeners) {}

  public BrokerMetrics(PrometheusMeterRegistry registry, Clock clock) {
    DuplicateGaugeWarning.install();
    this.registry = registry;
    this.clock = clock;
    for (Api api : Api.values()) {
      for (Outcome o : Outcome.values()) {
        int slot = slot(api, o);
        FunctionCounter.builder(
                "token_broker_token_requests", requests, r -> (double) r.getOpaque(slot))
            .description("Token requests by API and outcome")
            .tags("api", lower(api), "outcome", lower(o))
            .register(registry);
      }
    }
    expiry =
        MultiGauge.builder("token_broker_token_expiry")
            .baseUnit("seconds")
            .description("Seconds until the held token expires (0 when none is held)")
            .register(registry);
    refreshAge =
        MultiGauge.builder("token_broker_last_refresh_age")
            .baseUnit("seconds")
            .description("Seconds since the last successful refresh")
            .register(registry);
    backoff =
        MultiGauge.builder("token_broker_backoff")
            .baseUnit("seconds")
            .description(
                "Seconds until the next attempt after a failed fetch (0 when none is pending)")
            .register(registry);
  }

  /** A registry of its own, for tests and embedded use. */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /** {@link #bind(TokenCache, NamedIdpClients)} with {@code idp} as the only client. */
  public void bind(TokenCache cache, IdpClient idp) {
    bind(cache, NamedIdpClients.single(idp));
  }

  /**
   * Binds the gauges that read the cache and every client's breaker (through the published
   * snapshot).
   */
  public void bind(TokenCache cache, NamedIdpClients idps) {
    this.cache = cache;
    this.idps = idps;
    Gauge.builder("token_broker_cache_keys", this, m -> m.snapshot.size())
        .description("Keys held by the cache")
        .register(registry);
    Gauge.builder("token_broker_fetches_in_flight", this, m -> m.snapshot.inFlight())
        .description("IdP fetches in flight")
        .register(registry);
    for (String client : idps.names()) {
      idpLatency(client);
      for (String state : List.of("closed", "open", "half_open")) {
        Gauge.builder(
                "token_broker_circuit_breaker_state",
                this,
                m -> state.equals(m.snapshot.breakers().getOrDefault(client, "closed")) ? 1 : 0)
            .description("1 for the current state of the client's IdP circuit breaker")
            .tags("client", client, "state", state)
            .register(registry);
      }
    }
  }

  /**
   * Exports {@code token_broker_http_connections{listener}} and {@code
   * token_broker_http_active_requests{listener}} for the HTTP listeners counted by {@code stats}
   * ({@code api}: the token listeners, {@code management}); read from the snapshot.
   */
  public void bindListener(String listener, ListenerStats stats) {
    int index = listeners.size();
    listeners.add(stats);
    Gauge.builder("token_broker_http_connections", this, m -> m.listenerValue(2 * index))
        .description("Open connections of the broker's HTTP listeners")
        .tag("listener", listener)
        .register(registry);
    Gauge.builder("token_broker_http_active_requests", this, m -> m.listenerValue(2 * index + 1))
        .description("Requests in progress on the broker's HTTP listeners")
        .tag("listener", listener)
        .register(registry);
  }

  private double listenerValue(int i) {
    int[] v = snapshot.listeners();
    return i < v.length ? v[i] : 0;
  }

  /**
   * Fleet mode: {@code token_broker_cluster_members}, {@code
   * token_broker_cluster_tokens_received_total} and {@code token_broker_cluster_lease_waits_total}.
   */
  public void bindCluster(java.util.function.IntSupplier members) {
    Gauge.builder("token_broker_cluster_members", members, m -> m.getAsInt())
        .description("Members of the broker fleet as this node sees them")
        .strongReference(true)
        .register(registry);
    clusterTokensReceived =
        Counter.builder("token_broker_cluster_tokens_received")
            .description("Tokens fetched by another node of the fleet and taken by this one")
            .register(registry);
    clusterLeaseWaits =
        Counter.builder("token_broker_cluster_lease_waits")
            .description("Fetches that found the key's lease held by another node and waited")
            .register(registry);
  }

  public void clusterTokenReceived() {
    if (clusterTokensReceived != null) {
      clusterTokensReceived.increment();
    }
  }

  public void clusterLeaseWait() {
    if (clusterLeaseWaits != null) {
      clusterLeaseWaits.increment();
    }
  }

  private Timer idpLatency(String client) {
    return idpLatency.computeIfAbsent(
        client,
        c ->
            Timer.builder("token_broker_idp_request_duration")
                .description("Duration of token endpoint calls")
                .tag("client", c)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry));
  }

  /**
   * Counts one token request. Call on the broker verticle's event loop (the single writer: the
   * increment is a plain read and an ordered store, not an atomic read-modify-write).
   */
  public void request(Api api, Outcome outcome) {
    int slot = slot(api, outcome);
    requests.setRelease(slot, requests.getPlain(slot) + 1);
  }

  /** Token requests counted so far for {@code api} and {@code outcome}. Any thread. */
  public long requests(Api api, Outcome outcome) {
    return requests.getOpaque(slot(api, outcome));
  }

  private static int slot(Api api, Outcome outcome) {
    return api.ordinal() * OUTCOMES + outcome.ordinal();
  }

  /** Registers the meters of proxy {@code proxy} at 0, so they are exported before any request. */
  public void registerProxy(String proxy) {
    for (ProxyOutcome o : ProxyOutcome.values()) {
      proxyCounter(proxy, o);
    }
    for (String c : STATUS_CLASSES) {
      upstreamCounter(proxy, c);
    }
  }

  public void proxyRequest(String proxy, ProxyOutcome outcome) {
    proxyCounter(proxy, outcome).increment();
  }

  /** Counts one upstream answer of proxy {@code proxy} by its status class. */
  public void proxyUpstreamStatus(String proxy, int status) {
    int c = status / 100;
    upstreamCounter(proxy, c >= 1 && c <= 5 ? STATUS_CLASSES[c - 1] : "5xx").increment();
  }

  private Counter proxyCounter(String proxy, ProxyOutcome outcome) {
    return Counter.builder("token_broker_proxy_requests")
        .description("Requests to a token-injecting proxy by how they ended")
        .tags("proxy", proxy, "outcome", lower(outcome))
        .register(registry);
  }

  private Counter upstreamCounter(String proxy, String statusClass) {
    return Counter.builder("token_broker_proxy_upstream_responses")
        .description("Upstream answers to a token-injecting proxy by status class")
        .tags("proxy", proxy, "status", statusClass)
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Counts input refused as hostile, malformed or over a limit (HTTP listeners, TCP bridge). {@code
   * reason} comes from a fixed set chosen by the code, never from the input.
   */
  public void rejected(String reason) {
    rejected
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("token_broker_rejected_requests")
                    .description(
                        "Requests, frames and connections refused as hostile, malformed or over a limit")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  /**
   * Renders the Prometheus text off the event loop: publishes a snapshot of the cache (call on the
   * cache's context), then recomputes the per-key gauges from it and renders on a worker thread.
   */
  public Future<String> scrape(Vertx vertx) {
    Snapshot s = publish();
    return vertx.executeBlocking(() -> render(s));
  }

  /** Takes and publishes the snapshot the gauges read. Call on the cache's context. */
  Snapshot publish() {
    int[] http = new int[2 * listeners.size()];
    for (int i = 0; i < listeners.size(); i++) {
      http[2 * i] = listeners.get(i).openConnections();
      http[2 * i + 1] = listeners.get(i).activeRequests();
    }
    if (cache == null) {
      Snapshot s = snapshot;
      s = new Snapshot(s.atMillis(), s.keys(), s.size(), s.inFlight(), s.breakers(), http);
      snapshot = s;
      return s;
    }
    Snapshot s =
        new Snapshot(
            clock.millis(),
            List.copyOf(cache.states()),
            cache.size(),
            cache.inFlight(),
            idps.breakerStates(),
            http);
    snapshot = s;
    return s;
  }

  /** Rows from {@code s}, then the whole registry as Prometheus text. Any thread. */
  private synchronized String render(Snapshot s) {
    if (cache != null) {
      long now = s.atMillis();
      List<MultiGauge.Row<?>> exp = new ArrayList<>();
      List<MultiGauge.Row<?>> age = new ArrayList<>();
      List<MultiGauge.Row<?>> wait = new ArrayList<>();
      for (KeyState k : s.keys()) {
        Tags tags = keyTags(k.key());
        exp.add(
            MultiGauge.Row.of(
                tags, k.held(now) ? Math.max(0, (k.token().expiresAtMillis() - now) / 1000.0) : 0));
        if (k.lastSuccessAtMillis() > 0) {
          age.add(MultiGauge.Row.of(tags, Math.max(0, (now - k.lastSuccessAtMillis()) / 1000.0)));
        }
        wait.add(
            MultiGauge.Row.of(
                tags,
                k.lastError() == null ? 0 : Math.max(0, (k.nextAttemptAtMillis() - now) / 1000.0)));
      }
      expiry.register(exp, true);
      refreshAge.register(age, true);
      backoff.register(wait, true);
    }
    return registry.scrape();
  }

  @Override
  public void refreshed(Token token, long latencyMillis) {
    idpLatency(token.key().client()).record(latencyMillis, TimeUnit.MILLISECONDS);
    idpRequest(token.key().client(), "success", "200");
    refresh(token.key(), "success");
  }

  @Override
  public void fetchFailed(TokenKey key, IdpException failure, long latencyMillis, long next) {
    if (failure.kind() != IdpException.Kind.CIRCUIT_OPEN) {
      idpLatency(key.client()).record(latencyMillis, TimeUnit.MILLISECONDS);
    }
    idpRequest(
        key.client(),
        lower(failure.kind()),
        failure.httpStatus() > 0 ? Integer.toString(failure.httpStatus()) : "none");
    refresh(key, "failure");
  }

  private void idpRequest(String client, String outcome, String status) {
    Counter.builder("token_broker_idp_requests")
        .description("Token endpoint calls by client, outcome and HTTP status")
        .tags("client", client, "outcome", outcome, "status", status)
        .register(registry)
        .increment();
  }

  private void refresh(TokenKey key, String outcome) {
    Counter.builder("token_broker_refreshes")
        .description("Token fetches per key by outcome")
        .tags(keyTags(key).and("outcome", outcome))
        .register(registry)
        .increment();
  }

  private static Tags keyTags(TokenKey key) {
    return Tags.of("client", key.client(), "audience", key.audience(), "scope", key.scope());
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
