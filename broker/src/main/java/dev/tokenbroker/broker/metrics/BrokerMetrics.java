package dev.tokenbroker.broker.metrics;

import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.KeyState;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenCache;
import dev.tokenbroker.broker.token.TokenKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Every metric the broker exports, with its names and tags in one place. Keys appear as {@code
 * audience} and {@code scope} tags; their number is bounded by {@code cache.maxKeys}. Per-key
 * gauges are recomputed from the cache at each scrape (on the cache's event loop), so an evicted
 * key disappears from the next scrape.
 *
 * <ul>
 *   <li>{@code token_broker_token_requests_total{api,outcome}}: outcome hit | wait | denied | error
 *   <li>{@code token_broker_idp_requests_total{outcome,status}}
 *   <li>{@code token_broker_idp_request_duration_seconds} (histogram)
 *   <li>{@code token_broker_refreshes_total{audience,scope,outcome}}
 *   <li>{@code token_broker_token_expiry_seconds{audience,scope}} (0 when none is held)
 *   <li>{@code token_broker_last_refresh_age_seconds{audience,scope}}
 *   <li>{@code token_broker_backoff_seconds{audience,scope}}
 *   <li>{@code token_broker_cache_keys}, {@code token_broker_fetches_in_flight}
 *   <li>{@code token_broker_circuit_breaker_state{state}} (1 for the current state)
 *   <li>{@code token_broker_rejected_requests_total{reason}}: hostile or malformed input refused
 * </ul>
 */
public final class BrokerMetrics implements CacheListener {

  /** Where a token request came from. */
  public enum Api {
    HTTP,
    EVENTBUS
  }

  /** How a token request ended. */
  public enum Outcome {
    HIT,
    WAIT,
    DENIED,
    ERROR
  }

  private final PrometheusMeterRegistry registry;
  private final Clock clock;
  private final Counter[][] requests = new Counter[Api.values().length][Outcome.values().length];
  private final Timer idpLatency;
  private final MultiGauge expiry;
  private final MultiGauge refreshAge;
  private final MultiGauge backoff;
  private TokenCache cache;
  private IdpClient idp;

  public BrokerMetrics(PrometheusMeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    for (Api api : Api.values()) {
      for (Outcome o : Outcome.values()) {
        requests[api.ordinal()][o.ordinal()] =
            Counter.builder("token_broker_token_requests")
                .description("Token requests by API and outcome")
                .tags("api", lower(api), "outcome", lower(o))
                .register(registry);
      }
    }
    idpLatency =
        Timer.builder("token_broker_idp_request_duration")
            .description("Duration of token endpoint calls")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
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

  /** Binds the gauges that read the cache and the breaker. */
  public void bind(TokenCache cache, IdpClient idp) {
    this.cache = cache;
    this.idp = idp;
    Gauge.builder("token_broker_cache_keys", cache, TokenCache::size)
        .description("Keys held by the cache")
        .register(registry);
    Gauge.builder("token_broker_fetches_in_flight", cache, TokenCache::inFlight)
        .description("IdP fetches in flight")
        .register(registry);
    for (String state : List.of("closed", "open", "half_open")) {
      Gauge.builder(
              "token_broker_circuit_breaker_state",
              idp,
              i -> state.equals(i.breakerState()) ? 1 : 0)
          .description("1 for the IdP circuit breaker's current state")
          .tag("state", state)
          .register(registry);
    }
  }

  public void request(Api api, Outcome outcome) {
    requests[api.ordinal()][outcome.ordinal()].increment();
  }

  /**
   * Counts input refused as hostile, malformed or over a limit. {@code reason} comes from a fixed
   * set chosen by the code (for example {@code bridge_frame_too_large}), never from the input.
   */
  public void rejected(String reason) {
    Counter.builder("token_broker_rejected_requests")
        .description("Requests refused as hostile, malformed or over a limit, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Recomputes the per-key gauges, then renders the Prometheus text. Call on the cache's context.
   */
  public String scrape() {
    if (cache != null) {
      long now = clock.millis();
      List<MultiGauge.Row<?>> exp = new ArrayList<>();
      List<MultiGauge.Row<?>> age = new ArrayList<>();
      List<MultiGauge.Row<?>> wait = new ArrayList<>();
      for (KeyState s : cache.states()) {
        Tags tags = keyTags(s.key());
        exp.add(
            MultiGauge.Row.of(
                tags, s.held(now) ? Math.max(0, (s.token().expiresAtMillis() - now) / 1000.0) : 0));
        if (s.lastSuccessAtMillis() > 0) {
          age.add(MultiGauge.Row.of(tags, Math.max(0, (now - s.lastSuccessAtMillis()) / 1000.0)));
        }
        wait.add(
            MultiGauge.Row.of(
                tags,
                s.lastError() == null ? 0 : Math.max(0, (s.nextAttemptAtMillis() - now) / 1000.0)));
      }
      expiry.register(exp, true);
      refreshAge.register(age, true);
      backoff.register(wait, true);
    }
    return registry.scrape();
  }

  @Override
  public void refreshed(Token token, long latencyMillis) {
    idpLatency.record(latencyMillis, TimeUnit.MILLISECONDS);
    idpRequest("success", "200");
    refresh(token.key(), "success");
  }

  @Override
  public void fetchFailed(TokenKey key, IdpException failure, long latencyMillis, long next) {
    if (failure.kind() != IdpException.Kind.CIRCUIT_OPEN) {
      idpLatency.record(latencyMillis, TimeUnit.MILLISECONDS);
    }
    idpRequest(
        lower(failure.kind()),
        failure.httpStatus() > 0 ? Integer.toString(failure.httpStatus()) : "none");
    refresh(key, "failure");
  }

  private void idpRequest(String outcome, String status) {
    Counter.builder("token_broker_idp_requests")
        .description("Token endpoint calls by outcome and HTTP status")
        .tags("outcome", outcome, "status", status)
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
    return Tags.of("audience", key.audience(), "scope", key.scope());
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
