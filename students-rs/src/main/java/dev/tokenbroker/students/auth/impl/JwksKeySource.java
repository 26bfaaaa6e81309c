package dev.tokenbroker.students.auth.impl;

import dev.tokenbroker.students.auth.KeySource;
import dev.tokenbroker.students.config.JwksOptions;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The JWKS-backed {@link KeySource}. All state changes happen under the object's monitor; the
 * current {@link KeySet} is an immutable snapshot in a volatile field, so readers never lock.
 *
 * <p>Fetch policy: one fetch in flight at a time (callers share its future); a scheduled refresh
 * once the cache lifetime has passed, served in the background while the old keys stay in use; an
 * early fetch for an unknown {@code kid} or an empty key set at most once per cooldown; after a
 * failure the old keys stay and the next attempt waits one cooldown.
 *
 * <p>Counts fetches by outcome and publishes the number of usable keys in its {@link
 * StudentsMetrics} (the gauge is removed by {@link #close()}).
 */
public final class JwksKeySource implements KeySource {

  private static final Logger LOG = Logger.getLogger("dev.tokenbroker.students.jwks");

  private final HttpClient client;
  private final BoundedFetcher fetcher;
  private final Clock clock;
  private final String issuer;
  private final String configuredJwksUri;
  private final Set<String> allowedAlgorithms;
  private final JwksOptions jwks;
  private final StudentsMetrics metrics;
  private final Runnable removeKeysGauge;

  private volatile KeySet current = KeySet.EMPTY;
  private volatile long nextRefreshAtMillis = Long.MIN_VALUE;
  private volatile String discoveredJwksUri;
  private Future<KeySet> inFlight;
  private long lastFetchStartMillis = Long.MIN_VALUE;
  private long generation;
  private long fetchCount;

  public JwksKeySource(Vertx vertx, TokenValidatorOptions options, Clock clock) {
    this(vertx, options, clock, StudentsMetrics.create());
  }

  public JwksKeySource(
      Vertx vertx, TokenValidatorOptions options, Clock clock, StudentsMetrics metrics) {
    this.jwks = new JwksOptions(options.getJwks());
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout(jwks.getTimeoutMillis())
                .setKeepAlive(true)
                .setName("students-jwks"));
    this.fetcher =
        new BoundedFetcher(
            vertx.getOrCreateContext(), client, jwks.getTimeoutMillis(), jwks.getMaxBytes());
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
  public synchronized Future<KeySet> requestRefresh() {
    if (inFlight == null) {
      long now = clock.millis();
      long cooldown = jwks.getRefetchCooldownSeconds() * 1000L;
      if (lastFetchStartMillis != Long.MIN_VALUE && now - lastFetchStartMillis < cooldown) {
        return Future.succeededFuture(current);
      }
    }
    return fetch().recover(err -> Future.succeededFuture(current));
  }

  /** Starts a background fetch when the cached set has outlived its lifetime. */
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
        jwksUri().compose(fetcher::get).map(this::install).onFailure(this::fetchFailed);
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
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    return fetcher.get(base + "/.well-known/openid-configuration").map(this::readDiscovery);
  }

  private String readDiscovery(BoundedFetcher.Fetched fetched) {
    JsonObject doc = fetched.json();
    if (!issuer.equals(doc.getValue("issuer"))) {
      throw new JwksFetchException("discovery document names another issuer");
    }
    if (!(doc.getValue("jwks_uri") instanceof String uri)
        || !(uri.startsWith("https://") || uri.startsWith("http://"))) {
      throw new JwksFetchException("discovery document has no http(s) jwks_uri");
    }
    discoveredJwksUri = uri;
    LOG.info("jwks: discovered jwks_uri " + LogSafe.text(uri));
    return uri;
  }

  private KeySet install(BoundedFetcher.Fetched fetched) {
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
