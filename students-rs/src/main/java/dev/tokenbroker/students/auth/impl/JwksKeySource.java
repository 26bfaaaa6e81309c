package dev.tokenbroker.students.auth.impl;

import dev.tokenbroker.common.log.LogSafe;
import dev.tokenbroker.common.net.BoundedHttp;
import dev.tokenbroker.common.oidc.Discovery;
import dev.tokenbroker.students.auth.KeySource;
import dev.tokenbroker.students.auth.KeySourceMetrics;
import dev.tokenbroker.students.config.JwksOptions;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The JWKS-backed {@link KeySource}. All state changes happen under the object's monitor; the
 * current {@link KeySet} is an immutable snapshot in a volatile field, so readers never lock. One
 * instance serves every event loop: the per-request calls ({@link #current()}, {@link
 * #refreshIfStale()}, {@link #requestRefresh()} within the cooldown) read volatile fields only; the
 * monitor is taken only to start a fetch (at most once per cooldown or key-set lifetime). Fetches
 * run on the context that created the source.
 *
 * <p>Fetch policy: one fetch in flight at a time (callers share its future); a scheduled refresh
 * once the cache lifetime has passed, served in the background while the old keys stay in use; an
 * early fetch for an unknown {@code kid} or an empty key set at most once per cooldown; after a
 * failure the old keys stay and the next attempt waits one cooldown.
 *
 * <p>Counts fetches by outcome and publishes the number of usable keys in its {@link
 * KeySourceMetrics} (the gauge is removed by {@link #close()}).
 */
public final class JwksKeySource implements KeySource {

  private static final String JWKS_URI = "jwks_uri";
  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.students.jwks");

  private final HttpClient client;
  private final BoundedHttp http;
  private final boolean allowHttp;
  private final Clock clock;
  private final String issuer;
  private final String configuredJwksUri;
  private final Set<String> allowedAlgorithms;
  private final JwksOptions jwks;
  private final KeySourceMetrics metrics;
  private final Runnable removeKeysGauge;

  private volatile KeySet current = KeySet.EMPTY;
  private volatile long nextRefreshAtMillis = Long.MIN_VALUE;
  private volatile String discoveredJwksUri;
  private volatile Future<KeySet> inFlight;
  private volatile long lastFetchStartMillis = Long.MIN_VALUE;
  private long generation;
  private long fetchCount;

  public JwksKeySource(Vertx vertx, TokenValidatorOptions options, Clock clock) {
    this(vertx, options, clock, KeySourceMetrics.NONE);
  }

  public JwksKeySource(
      Vertx vertx, TokenValidatorOptions options, Clock clock, KeySourceMetrics metrics) {
    this.jwks = new JwksOptions(options.getJwks());
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout(jwks.getTimeoutMillis())
                .setKeepAlive(true)
                .setName("students-jwks"));
    this.http =
        new BoundedHttp(
            vertx.getOrCreateContext(), client, jwks.getTimeoutMillis(), jwks.getMaxBytes());
    this.allowHttp = options.isAllowHttp();
    this.clock = clock;
    this.issuer = options.getIssuer();
    this.configuredJwksUri = options.getJwksUri();
    this.allowedAlgorithms = options.getAlgorithms();
    this.metrics = metrics;
    this.removeKeysGauge = metrics.jwksKeys(() -> current.size());
  }

  /** The keys in force now; never null, possibly empty. */
  public KeySet current() {
    return current;
  }

  @Override
  public Future<Integer> refresh() {
    return fetch().map(KeySet::size);
  }

  /**
   * Asks for an early fetch because a token named an unknown {@code kid} (or no key is known).
   * Joins a fetch in flight; starts one only if the cooldown since the last fetch has passed. Never
   * fails: completes with the keys in force afterwards.
   */
  public Future<KeySet> requestRefresh() {
    // Lock-free answer for the common cases (a flood of unknown kids, any number of event loops):
    // a fetch in flight is joined, a fetch within the cooldown means the keys in force.
    Future<KeySet> pending = inFlight;
    if (pending != null) {
      return pending.recover(err -> Future.succeededFuture(current));
    }
    long last = lastFetchStartMillis;
    if (last != Long.MIN_VALUE
        && clock.millis() - last < jwks.getRefetchCooldownSeconds() * 1000L) {
      return Future.succeededFuture(current);
    }
    return requestRefreshLocked();
  }

  private synchronized Future<KeySet> requestRefreshLocked() {
    if (inFlight == null) {
      long now = clock.millis();
      long cooldown = jwks.getRefetchCooldownSeconds() * 1000L;
      if (lastFetchStartMillis != Long.MIN_VALUE && now - lastFetchStartMillis < cooldown) {
        return Future.succeededFuture(current);
      }
    }
    return fetch().recover(err -> Future.succeededFuture(current));
  }

  @Override
  public void refreshIfStale() {
    if (clock.millis() >= nextRefreshAtMillis) {
      synchronized (this) {
        if (inFlight == null && clock.millis() >= nextRefreshAtMillis) {
          fetch();
        }
      }
    }
  }

  private synchronized Future<KeySet> fetch() {
    if (inFlight != null) {
      return inFlight;
    }
    lastFetchStartMillis = clock.millis();
    fetchCount++;
    Future<KeySet> fetch =
        jwksUri().compose(this::get).map(this::install).onFailure(this::fetchFailed);
    inFlight = fetch;
    fetch.onComplete(
        ar -> {
          fetchDone(fetch);
          metrics.jwksFetch(ar.succeeded());
        });
    return fetch;
  }

  private synchronized void fetchDone(Future<KeySet> done) {
    if (inFlight == done) {
      inFlight = null;
    }
  }

  private Future<String> jwksUri() {
    if (configuredJwksUri != null) {
      return Future.succeededFuture(configuredJwksUri);
    }
    String known = discoveredJwksUri;
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return Discovery.discover(http, issuer, allowHttp, JWKS_URI)
        .recover(err -> Future.failedFuture(new JwksFetchException(err.getMessage())))
        .map(
            metadata -> {
              String uri = metadata.endpoint(JWKS_URI).toString();
              discoveredJwksUri = uri;
              LOG.info("jwks: discovered jwks_uri " + LogSafe.text(uri));
              return uri;
            });
  }

  /** A fetched JSON object and the response's {@code Cache-Control} header (may be null). */
  private record Fetched(JsonObject json, String cacheControl) {}

  /** GETs a JSON object; only a 200 answer counts. */
  private Future<Fetched> get(String url) {
    RequestOptions request;
    try {
      request =
          new RequestOptions()
              .setMethod(HttpMethod.GET)
              .setAbsoluteURI(url)
              .putHeader(HttpHeaders.ACCEPT, "application/json");
    } catch (RuntimeException e) {
      return Future.failedFuture(new JwksFetchException("invalid URL"));
    }
    return http.send(request, null)
        .recover(err -> Future.failedFuture(new JwksFetchException(err.getMessage())))
        .map(
            r -> {
              if (r.status() != 200) {
                throw new JwksFetchException("HTTP status " + r.status());
              }
              try {
                return new Fetched(
                    new JsonObject(r.body()), r.headers().get(HttpHeaders.CACHE_CONTROL));
              } catch (RuntimeException e) {
                throw new JwksFetchException("answer is not a JSON object");
              }
            });
  }

  private KeySet install(Fetched fetched) {
    JwksParser.Parsed parsed;
    try {
      parsed = JwksParser.parse(fetched.json(), allowedAlgorithms);
    } catch (IllegalArgumentException e) {
      throw new JwksFetchException(e.getMessage());
    }
    long now = clock.millis();
    long ttlSeconds =
        Math.max(
            jwks.getMinRefreshSeconds(),
            Math.min(
                jwks.getMaxCacheSeconds(), CacheControl.maxAgeSeconds(fetched.cacheControl())));
    KeySet installed;
    synchronized (this) {
      KeySet old = current;
      installed =
          parsed.fingerprint().equals(old.fingerprint()) && old.generation() != 0
              ? old
              : new KeySet(
                  parsed.keys(), parsed.fingerprint(), ++generation, Instant.ofEpochMilli(now));
      current = installed;
      nextRefreshAtMillis = now + ttlSeconds * 1000L;
    }
    String skipped = parsed.skipped().isEmpty() ? "" : ", skipped " + parsed.skipped();
    LOG.info(
        "jwks: "
            + installed.size()
            + " usable key(s) "
            + installed.kids()
            + skipped
            + ", next refresh in "
            + ttlSeconds
            + "s");
    return installed;
  }

  private void fetchFailed(Throwable err) {
    long retry = Math.max(1, jwks.getRefetchCooldownSeconds()) * 1000L;
    nextRefreshAtMillis = clock.millis() + retry;
    LOG.warning(
        "jwks: fetch failed: "
            + err.getMessage()
            + "; keeping "
            + current.size()
            + " key(s), retry in "
            + retry / 1000
            + "s");
  }

  @Override
  public int usableKeys() {
    return current.size();
  }

  @Override
  public Future<Integer> refreshIfAllowed() {
    return requestRefresh().map(KeySet::size);
  }

  @Override
  public boolean isReady() {
    return !current.isEmpty();
  }

  @Override
  public Set<String> keyIds() {
    return current.kids();
  }

  @Override
  public synchronized long fetchCount() {
    return fetchCount;
  }

  @Override
  public Future<Void> close() {
    removeKeysGauge.run();
    return client.close();
  }
}
