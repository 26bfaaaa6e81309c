package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.config.CacheOptions;
import dev.tokenbroker.broker.config.RetryOptions;
import dev.tokenbroker.broker.idp.IdpClient;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.NamedIdpClients;
import dev.tokenbroker.broker.idp.TokenResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Holds one token per {@link TokenKey} and keeps it fresh.
 *
 * <p><b>Threading:</b> the cache is confined to the event loop of the verticle that owns it (the
 * broker verticle, which also runs the HTTP API and the event-bus consumers), so it needs no locks:
 * every method must be called on that context. Other verticles reach it over the event bus.
 *
 * <p><b>Behaviour:</b> one IdP call in flight per key, shared by all waiting callers; a periodic
 * {@link #tick()} (driven by a Vert.x timer in production, called directly by tests after moving a
 * fake clock) starts background refreshes when {@link RefreshPolicy} says, retries failed keys
 * after {@link Backoff}, drops tokens past their serve-until instant and evicts idle on-demand
 * keys. A token is never returned past {@link Token#serveUntilMillis()}.
 */
public final class TokenCache {

  private static final Logger LOG = Logger.getLogger(TokenCache.class.getName());

  /** Outcome of an invalidation report. */
  public enum Invalidation {
    /** The reported token was the held one: it was dropped and one refresh started. */
    INVALIDATED,
    /** The reported token is not the held one (older, unknown, or already replaced). */
    NOT_CURRENT,
    /** The same key was invalidated too recently. */
    RATE_LIMITED
  }

  /** One IdP client and its background fetches in flight. */
  private static final class Slot {
    final IdpClient idp;
    int maxBackground = Integer.MAX_VALUE;
    int backgroundInFlight;

    Slot(IdpClient idp) {
      this.idp = idp;
    }
  }

  private static final class Entry {
    final TokenKey key;
    final Slot slot;
    final boolean pinned;
    Token current;
    Future<Token> inFlight;
    long refreshAt;
    long lastAccess;
    long nextAttemptAt;
    int failures;
    IdpException lastError;
    long lastErrorAt;
    long lastSuccessAt;
    long lastInvalidatedAt = Long.MIN_VALUE / 2;

    Entry(TokenKey key, Slot slot, boolean pinned, long now) {
      this.key = key;
      this.slot = slot;
      this.pinned = pinned;
      this.lastAccess = now;
    }
  }

  private final Vertx vertx;
  private final Map<String, Slot> slots = new HashMap<>();
  private final Clock clock;
  private final CacheOptions options;
  private final RefreshPolicy policy;
  private final Backoff backoff;
  private final CacheListener listener;
  private final SplittableRandom random;
  private final Map<TokenKey, Entry> entries = new HashMap<>();
  private long timerId = -1;
  private boolean backlog;
  private FleetCoordinator fleet = FleetCoordinator.ALONE;

  /** A cache whose keys all belong to one client, {@link TokenKey#DEFAULT_CLIENT}. */
  public TokenCache(
      Vertx vertx,
      IdpClient idp,
      Clock clock,
      CacheOptions options,
      RetryOptions retry,
      CacheListener listener,
      long seed) {
    this(vertx, NamedIdpClients.single(idp), clock, options, retry, listener, seed);
  }

  /**
   * @param idps the clients by name: a key's token is fetched by the client {@link
   *     TokenKey#client()} names; a key naming no client is refused
   */
  public TokenCache(
      Vertx vertx,
      NamedIdpClients idps,
      Clock clock,
      CacheOptions options,
      RetryOptions retry,
      CacheListener listener,
      long seed) {
    this.vertx = vertx;
    for (String name : idps.names()) {
      slots.put(name, new Slot(idps.get(name)));
    }
    this.clock = clock;
    this.options = options;
    this.policy = RefreshPolicy.from(options);
    this.backoff = new Backoff(retry.minBackoffMillis(), retry.maxBackoffMillis());
    this.listener = listener;
    this.random = new SplittableRandom(seed);
  }

  /**
   * Caps the background fetches (prefetch, refresh, retries) in flight at once per client, so that
   * starting with many prefetched keys, or many keys due together, queues at the broker instead of
   * flooding the IdP and timing out in its connection pool. Callers waiting for a cold key are not
   * capped. Each client has its own cap: one client's slow IdP never holds back another's keys.
   */
  public TokenCache maxBackgroundFetches(int max) {
    slots.values().forEach(s -> s.maxBackground = Math.max(1, max));
    return this;
  }

  /** {@link #maxBackgroundFetches(int)} for the client named {@code client} only. */
  public TokenCache maxBackgroundFetches(String client, int max) {
    slot(client).maxBackground = Math.max(1, max);
    return this;
  }

  /**
   * Fetches through {@code fleet} instead of straight to the IdP (fleet mode); call before {@link
   * #start}.
   */
  public TokenCache fleet(FleetCoordinator fleet) {
    this.fleet = fleet;
    return this;
  }

  /**
   * A token for {@code key} that another node of the fleet fetched: installed exactly like a
   * fetched one (the held token, a new jittered refresh time, {@link CacheListener#refreshed}) when
   * this node has the key, no fetch of its own in flight (that fetch gets the same token from the
   * fleet), and the token was obtained after the held one.
   *
   * @return whether it was installed
   */
  public boolean receive(TokenKey key, TokenResponse response) {
    Entry e = entries.get(key);
    if (e == null || e.inFlight != null) {
      return false;
    }
    if (e.current != null && response.requestedAtMillis() <= e.current.obtainedAtMillis()) {
      return false;
    }
    Token t = toToken(key, response);
    if (!t.servableAt(clock.millis())) {
      return false;
    }
    install(e, t, 0);
    return true;
  }

  private Slot slot(String client) {
    Slot slot = slots.get(client);
    if (slot == null) {
      throw new IllegalArgumentException("no IdP client named " + client);
    }
    return slot;
  }

  /** Registers the prefetched keys, fetches them now and starts the periodic tick. */
  public void start(List<TokenKey> prefetch, boolean periodic) {
    long now = clock.millis();
    for (TokenKey key : prefetch) {
      Slot slot = slot(key.client());
      entries.computeIfAbsent(key, k -> new Entry(k, slot, true, now));
    }
    tick();
    if (periodic) {
      timerId = vertx.setPeriodic(options.tickMillis(), id -> tick());
    }
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /**
   * The instance equal to {@code key} that the cache holds, else {@code key}: a caller that keeps
   * keys (the HTTP API's query map) looks them up by identity instead of comparing their strings.
   */
  public TokenKey canonical(TokenKey key) {
    Entry e = entries.get(key);
    return e == null ? key : e.key;
  }

  /** The servable token for {@code key}, or null: the hot path, no allocation. */
  public Token peek(TokenKey key) {
    Entry e = entries.get(key);
    if (e == null) {
      return null;
    }
    Token t = e.current;
    long now = clock.millis();
    if (t == null || now >= t.serveUntilMillis()) {
      return null;
    }
    e.lastAccess = now;
    return t;
  }

  /**
   * A servable token for {@code key}: the held one, or the result of the (shared) fetch, waited for
   * at most {@code cache.maxWaitMillis}. Fails with {@link TokenFailure}.
   */
  public Future<Token> get(TokenKey key) {
    Token held = peek(key);
    if (held != null) {
      return Future.succeededFuture(held);
    }
    long now = clock.millis();
    Entry e = entries.get(key);
    if (e == null) {
      Slot slot = slots.get(key.client());
      if (slot == null) {
        return Future.failedFuture(
            TokenFailure.denied("client " + key.client() + " is not allowed"));
      }
      if (entries.size() >= options.maxKeys() && !evictLeastRecentlyUsed()) {
        return Future.failedFuture(
            TokenFailure.unavailable("the broker holds its maximum number of keys", 1));
      }
      e = new Entry(key, slot, false, now);
      entries.put(key, e);
    }
    e.lastAccess = now;
    Future<Token> pending = e.inFlight;
    if (pending == null) {
      if (now < e.nextAttemptAt && e.lastError != null) {
        return Future.failedFuture(failureFor(e, now));
      }
      pending = startFetch(e, now, false);
    }
    Entry entry = e;
    if (pending.isComplete()) {
      return pending.failed() ? Future.failedFuture(failureFor(entry, clock.millis())) : pending;
    }
    return pending
        .timeout(options.maxWaitMillis(), TimeUnit.MILLISECONDS)
        .recover(
            t ->
                Future.failedFuture(
                    t instanceof TimeoutException
                        ? TokenFailure.unavailable("the IdP has not answered yet", 1)
                        : failureFor(entry, clock.millis())));
  }

  /**
   * A resource server rejected {@code accessToken}: if it is the held token for {@code key}, drop
   * it and start one refresh. Reports about other tokens change nothing; reports are rate limited
   * per key.
   */
  public Invalidation invalidate(TokenKey key, String accessToken) {
    Entry e = entries.get(key);
    Token t = e == null ? null : e.current;
    if (t == null || accessToken == null || !constantTimeEquals(t.accessToken(), accessToken)) {
      return Invalidation.NOT_CURRENT;
    }
    long now = clock.millis();
    if (now - e.lastInvalidatedAt < options.invalidateMinIntervalSeconds() * 1000) {
      return Invalidation.RATE_LIMITED;
    }
    e.lastInvalidatedAt = now;
    e.current = null;
    listener.invalidated(key);
    LOG.info("token for " + key + " reported rejected; refreshing");
    if (e.inFlight == null) {
      startFetch(e, now, true, t);
    }
    return Invalidation.INVALIDATED;
  }

  /** Runs the periodic work once. Public so tests can drive it after moving the clock. */
  public void tick() {
    long now = clock.millis();
    long idleMillis = options.idleTimeoutSeconds() * 1000;
    Iterator<Entry> it = entries.values().iterator();
    List<Entry> due = new ArrayList<>();
    while (it.hasNext()) {
      Entry e = it.next();
      if (e.inFlight != null) {
        continue;
      }
      if (!e.pinned && now - e.lastAccess >= idleMillis) {
        it.remove();
        listener.evicted(e.key, "idle");
        continue;
      }
      if (e.current != null && now >= e.current.serveUntilMillis()) {
        LOG.warning(
            "token for " + e.key + " reached its serve-until time without a successful refresh");
        e.current = null;
      }
      boolean refreshDue = e.current == null ? e.pinned : now >= e.refreshAt;
      if (refreshDue && now >= e.nextAttemptAt) {
        due.add(e);
      }
    }
    backlog = false;
    // The most urgent first: no token held, then the earliest expiry.
    due.sort(
        (a, b) ->
            Long.compare(
                a.current == null ? Long.MIN_VALUE : a.current.serveUntilMillis(),
                b.current == null ? Long.MIN_VALUE : b.current.serveUntilMillis()));
    for (Entry e : due) {
      if (e.inFlight != null) {
        continue;
      }
      Slot slot = e.slot;
      if (slot.backgroundInFlight >= slot.maxBackground) {
        backlog = true; // this client's cap is reached; its other keys wait, other clients' do not
        continue;
      }
      slot.backgroundInFlight++;
      startFetch(e, now, e.current != null).onComplete(ar -> backgroundDone(slot));
    }
  }

  private void backgroundDone(Slot slot) {
    slot.backgroundInFlight--;
    if (backlog) {
      // More keys were due than the cap allowed: start the next ones now (on this event loop,
      // after the current callback, never re-entering a running tick).
      vertx.runOnContext(v -> tick());
    }
  }

  /** A snapshot of every key, for health and metrics. */
  public List<KeyState> states() {
    List<KeyState> out = new ArrayList<>(entries.size());
    for (Entry e : entries.values()) {
      out.add(
          new KeyState(
              e.key,
              e.pinned,
              e.current,
              e.inFlight != null,
              e.lastSuccessAt,
              e.lastError,
              e.lastErrorAt,
              e.failures,
              e.nextAttemptAt,
              e.refreshAt));
    }
    return out;
  }

  public int size() {
    return entries.size();
  }

  /** Keys with a fetch in flight. */
  public int inFlight() {
    int n = 0;
    for (Entry e : entries.values()) {
      if (e.inFlight != null) {
        n++;
      }
    }
    return n;
  }

  private Future<Token> startFetch(Entry e, long startedAt, boolean background) {
    return startFetch(e, startedAt, background, e.current);
  }

  private Future<Token> startFetch(Entry e, long startedAt, boolean background, Token stale) {
    listener.fetchStarted(e.key, background);
    Future<Token> f =
        fleet
            .fetch(e.key, stale, () -> e.slot.idp.fetch(e.key.request()))
            .map(r -> toToken(e.key, r));
    e.inFlight = f;
    f.onComplete(
        ar -> {
          long now = clock.millis();
          e.inFlight = null;
          if (ar.succeeded()) {
            install(e, ar.result(), now - startedAt);
          } else {
            IdpException x = IdpException.wrap(ar.cause());
            e.failures++;
            long delay;
            if (x.paced()) {
              // The breaker is open: retry when it next lets a call through, not after this
              // key's own backoff, so the first call after an outage is seconds away.
              delay = x.retryAfterMillis();
            } else {
              delay =
                  x.retryable() ? backoff.delay(e.failures, random.nextDouble()) : backoff.max();
              if (x.retryAfterMillis() >= 0) {
                delay = Math.max(delay, x.retryAfterMillis());
              }
            }
            e.nextAttemptAt = now + delay;
            e.lastError = x;
            e.lastErrorAt = now;
            LOG.warning(
                "token fetch for "
                    + e.key
                    + " failed ("
                    + e.failures
                    + " in a row): "
                    + x.getMessage()
                    + "; next attempt in "
                    + delay
                    + " ms"
                    + (e.current != null && e.current.servableAt(now)
                        ? "; still serving the held token"
                        : ""));
            listener.fetchFailed(e.key, x, now - startedAt, e.nextAttemptAt);
          }
        });
    return f;
  }

  private Token toToken(TokenKey key, TokenResponse r) {
    long obtained = r.requestedAtMillis();
    long expires = r.expiresAtMillis();
    return new Token(
        key,
        r.accessToken(),
        r.tokenType(),
        r.scope(),
        obtained,
        expires,
        policy.serveUntil(obtained, expires));
  }

  /**
   * The one path by which a token becomes the held one, fetched here or received from the fleet:
   * sets it, draws this node's jittered refresh time, clears the failure state, tells the listener.
   */
  private void install(Entry e, Token t, long latencyMillis) {
    long now = clock.millis();
    e.current = t;
    e.refreshAt =
        policy.refreshAt(t.obtainedAtMillis(), t.expiresAtMillis(), random.nextDouble(-1.0, 1.0));
    e.failures = 0;
    e.nextAttemptAt = 0;
    e.lastError = null;
    e.lastSuccessAt = now;
    listener.refreshed(t, latencyMillis);
  }

  private TokenFailure failureFor(Entry e, long now) {
    IdpException x = e.lastError;
    if (x == null) {
      return TokenFailure.unavailable("no valid token is held", 1);
    }
    if (!x.retryable()) {
      return TokenFailure.idpRefused(x.getMessage(), x.error());
    }
    long wait = Math.max(1, (e.nextAttemptAt - now + 999) / 1000);
    return TokenFailure.unavailable("no valid token is held: " + x.getMessage(), wait);
  }

  private boolean evictLeastRecentlyUsed() {
    Entry victim = null;
    for (Entry e : entries.values()) {
      if (!e.pinned && e.inFlight == null && (victim == null || e.lastAccess < victim.lastAccess)) {
        victim = e;
      }
    }
    if (victim == null) {
      return false;
    }
    entries.remove(victim.key);
    listener.evicted(victim.key, "max_keys");
    return true;
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
