package dev.tokenbroker.students.metrics;

import dev.tokenbroker.students.auth.AuthFailure;
import dev.tokenbroker.students.auth.KeySourceMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Every metric name and tag students-rs publishes, and the only code that touches the registry. The
 * registry is a Prometheus one, scraped at {@code GET /metrics}; in production it also holds the
 * Vert.x metrics ({@code vertx_http_server_*}, {@code vertx_http_client_*}, ...) because {@code
 * Main} hands the same registry to {@code MicrometerMetricsFactory}.
 *
 * <p>Exported series (Micrometer adds {@code _total} to counters and {@code _seconds} to timers):
 *
 * <ul>
 *   <li>{@code students_rs_requests_total{status}}: answered requests by HTTP status, except the
 *       probes ({@code /health/*}) and scrapes ({@code /metrics}), so they do not dilute the
 *       rejection ratio;
 *   <li>{@code students_rs_token_validation_failures_total{reason}}: refused requests by {@link
 *       AuthFailure.Reason}, all reasons present from the start (at 0);
 *   <li>{@code students_rs_jwks_fetches_total{outcome="success|failure"}}: JWKS fetches (including
 *       the discovery request that may precede one);
 *   <li>{@code students_rs_token_validation_duration_seconds}: histogram ({@code _bucket{le}},
 *       {@code _sum}, {@code _count}, plus {@code _max}) of token validations that were not
 *       answered from the verified-token cache, accepted or not, including a JWKS refetch for an
 *       unknown {@code kid};
 *   <li>{@code students_rs_token_cache_hits_total}: tokens answered from the verified-token cache
 *       (counted, not timed);
 *   <li>{@code students_rs_jwks_keys}: usable signing keys held now;
 *   <li>{@code students_rs_rejected_requests_total{reason}}: hostile or malformed HTTP input
 *       refused before any handler (a connection over the cap, a slow head, an oversized or
 *       smuggling-shaped request, a malformed path), by reason.
 * </ul>
 *
 * Tag values are fixed texts from this class or an HTTP status code: never anything from a request.
 * Thread-safe and lock-free once a series exists (Micrometer counters and timers are striped
 * adders): one instance serves every event loop.
 */
public final class StudentsMetrics implements KeySourceMetrics {

  /** Counter, exported as {@code students_rs_requests_total}. */
  public static final String REQUESTS = "students_rs_requests";

  /** Counter, exported as {@code students_rs_token_validation_failures_total}. */
  public static final String VALIDATION_FAILURES = "students_rs_token_validation_failures";

  /** Counter, exported as {@code students_rs_jwks_fetches_total}. */
  public static final String JWKS_FETCHES = "students_rs_jwks_fetches";

  /** Timer, exported as {@code students_rs_token_validation_duration_seconds_*}. */
  public static final String VALIDATION_DURATION = "students_rs_token_validation_duration";

  /** Counter, exported as {@code students_rs_token_cache_hits_total}. */
  public static final String CACHE_HITS = "students_rs_token_cache_hits";

  /** Gauge, exported as {@code students_rs_jwks_keys}. */
  public static final String JWKS_KEYS = "students_rs_jwks_keys";

  /** Counter, exported as {@code students_rs_rejected_requests_total}. */
  public static final String REJECTED = "students_rs_rejected_requests";

  public static final String TAG_STATUS = "status";
  public static final String TAG_REASON = "reason";
  public static final String TAG_OUTCOME = "outcome";
  public static final String OUTCOME_SUCCESS = "success";
  public static final String OUTCOME_FAILURE = "failure";

  /**
   * Histogram buckets of the validation timer: a remembered token takes microseconds, a signature
   * check well under a millisecond, a JWKS refetch up to {@code jwks.timeoutMillis}.
   */
  static final Duration[] VALIDATION_BUCKETS = {
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final PrometheusMeterRegistry registry;
  private static final int MIN_STATUS = 100;

  private final Map<Integer, Counter> requests = new ConcurrentHashMap<>();

  /** The counters of statuses 100..599 by status, filled on first use: no boxing, no map. */
  private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(500);

  private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
  private final Map<AuthFailure.Reason, Counter> failures = new EnumMap<>(AuthFailure.Reason.class);
  private final Counter jwksSuccess;
  private final Counter jwksFailure;
  private final Timer validation;
  private final Counter cacheHits;

  private StudentsMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    for (AuthFailure.Reason reason : AuthFailure.Reason.values()) {
      failures.put(
          reason,
          Counter.builder(VALIDATION_FAILURES)
              .description("Requests refused by authentication or authorization, by reason")
              .tag(TAG_REASON, reasonTag(reason))
              .register(registry));
    }
    jwksSuccess = jwksCounter(OUTCOME_SUCCESS);
    jwksFailure = jwksCounter(OUTCOME_FAILURE);
    cacheHits =
        Counter.builder(CACHE_HITS)
            .description("Requests whose token was answered from the verified-token cache")
            .register(registry);
    validation =
        Timer.builder(VALIDATION_DURATION)
            .description("Time to validate a bearer token, accepted or refused")
            .serviceLevelObjectives(VALIDATION_BUCKETS)
            .register(registry);
  }

  /** Meters registered in {@code registry}, which {@code GET /metrics} then serves. */
  public static StudentsMetrics create(PrometheusMeterRegistry registry) {
    return new StudentsMetrics(registry);
  }

  /** Meters in a registry of their own (tests, or embedding without Vert.x metrics). */
  public static StudentsMetrics create() {
    return new StudentsMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /** The registry to scrape. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The {@code reason} tag value: the enum name in lower case, e.g. {@code bad_signature}. */
  public static String reasonTag(AuthFailure.Reason reason) {
    return switch (reason) {
      case MISSING_TOKEN -> "missing_token";
      case MALFORMED -> "malformed";
      case EXPIRED -> "expired";
      case NOT_YET_VALID -> "not_yet_valid";
      case BAD_SIGNATURE -> "bad_signature";
      case UNKNOWN_KID -> "unknown_kid";
      case WRONG_ISSUER -> "wrong_issuer";
      case WRONG_AUDIENCE -> "wrong_audience";
      case INSUFFICIENT_SCOPE -> "insufficient_scope";
      case NO_KEYS -> "no_keys";
    };
  }

  /** One answered request (not a probe or scrape) with its HTTP status. */
  public void request(int status) {
    int slot = status - MIN_STATUS;
    if (slot >= 0 && slot < byStatus.length()) {
      Counter counter = byStatus.get(slot);
      if (counter == null) {
        counter = requestCounter(status);
        byStatus.set(slot, counter); // racing threads store the same registered counter
      }
      counter.increment();
      return;
    }
    requestCounter(status).increment();
  }

  private Counter requestCounter(int status) {
    return requests.computeIfAbsent(
        status,
        s ->
            Counter.builder(REQUESTS)
                .description("Answered requests (health probes and scrapes excluded)")
                .tag(TAG_STATUS, String.valueOf(s))
                .register(registry));
  }

  /** One request or connection refused as hostile or malformed; {@code reason} is a fixed text. */
  public void rejected(String reason) {
    rejected
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder(REJECTED)
                    .description("HTTP requests and connections refused as hostile or malformed")
                    .tag(TAG_REASON, r)
                    .register(registry))
        .increment();
  }

  /** One request refused by authentication or authorization. */
  public void validationFailure(AuthFailure.Reason reason) {
    failures.get(reason).increment();
  }

  /**
   * A presented token was answered from the verified-token cache (its time checks passed). A {@link
   * Counter} (striped cells, no shared write per increment), unlike the timer's histogram.
   */
  public void cacheHit() {
    cacheHits.increment();
  }

  /** One token validation (accepted or refused) took {@code nanos}. */
  public void validationTime(long nanos) {
    validation.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Runs {@code validation} and records how long its future took, whatever the outcome. */
  public <T> Future<T> timeValidation(Supplier<Future<T>> validation) {
    Timer.Sample sample = Timer.start(registry);
    return validation.get().andThen(ar -> sample.stop(this.validation));
  }

  /** One JWKS fetch finished. */
  @Override
  public void jwksFetch(boolean succeeded) {
    (succeeded ? jwksSuccess : jwksFailure).increment();
  }

  /**
   * Publishes {@code usableKeys} as {@code students_rs_jwks_keys}; the returned action removes it.
   * One key source per registry: a second registration reads the first source.
   */
  @Override
  public Runnable jwksKeys(IntSupplier usableKeys) {
    Gauge gauge =
        Gauge.builder(JWKS_KEYS, usableKeys, s -> s.getAsInt())
            .description("Usable signing keys held")
            .strongReference(true)
            .register(registry);
    return () -> registry.remove(gauge);
  }

  private Counter jwksCounter(String outcome) {
    return Counter.builder(JWKS_FETCHES)
        .description("JWKS fetches (with discovery when used), by outcome")
        .tag(TAG_OUTCOME, outcome)
        .register(registry);
  }
}
