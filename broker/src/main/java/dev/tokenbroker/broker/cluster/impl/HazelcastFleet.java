package dev.tokenbroker.broker.cluster.impl;

import dev.tokenbroker.broker.cluster.Fleet;
import dev.tokenbroker.broker.cluster.FleetCipher;
import dev.tokenbroker.broker.idp.TokenResponse;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.broker.token.TokenKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@link Fleet} on Vert.x's clustered shared data (Hazelcast IMaps behind {@link AsyncMap}) and the
 * clustered event bus. Confined to the context that called {@link #start}: waiters and bookkeeping
 * need no locks. Log lines name keys, never tokens or sealed values.
 */
public final class HazelcastFleet implements Fleet {

  private static final Logger LOG = Logger.getLogger(HazelcastFleet.class.getName());

  static final String TOKENS_MAP = "token-broker.fleet.tokens";
  static final String LEASES_MAP = "token-broker.fleet.leases";

  /** A cluster operation slower than this counts as the cluster being unreachable. */
  static final long OPERATION_TIMEOUT_MILLIS = 2_000;

  /** Lease rounds before a node gives up waiting and fetches on its own. */
  static final int MAX_ROUNDS = 3;

  /** A shared token closer than this to its expiry is not taken. */
  static final long MIN_REMAINING_MILLIS = 1_000;

  private final Vertx vertx;
  private final IntSupplier members;
  private final String nodeId;
  private final FleetCipher cipher;
  private final Clock clock;
  private final long leaseMillis;
  private final Listener listener;
  private final boolean remoteConsumers;
  private final Map<String, List<Promise<TokenResponse>>> waiters = new HashMap<>();
  private Context context;
  private AsyncMap<String, String> tokens;
  private AsyncMap<String, String> leases;
  private MessageConsumer<JsonObject> consumer;
  private BiPredicate<TokenKey, TokenResponse> sink = (k, r) -> false;
  private long leaseSeq;

  /** A cluster operation failed or timed out: the caller fetches on its own. */
  private static final class Unreachable extends RuntimeException {
    Unreachable(String what, Throwable cause) {
      super(what + ": " + cause, null, false, false);
    }
  }

  public HazelcastFleet(
      Vertx vertx,
      IntSupplier members,
      String nodeId,
      FleetCipher cipher,
      Clock clock,
      long leaseMillis,
      Listener listener,
      boolean remoteConsumers) {
    this.vertx = vertx;
    this.members = members;
    this.nodeId = nodeId;
    this.cipher = cipher;
    this.clock = clock;
    this.leaseMillis = leaseMillis;
    this.listener = listener;
    this.remoteConsumers = remoteConsumers;
  }

  @Override
  public Future<Void> start(BiPredicate<TokenKey, TokenResponse> sink) {
    this.context = vertx.getOrCreateContext();
    this.sink = sink;
    consumer = vertx.eventBus().consumer(TOKENS_ADDRESS, this::published);
    return vertx
        .sharedData()
        .<String, String>getAsyncMap(TOKENS_MAP)
        .compose(
            m -> {
              tokens = m;
              return vertx.sharedData().<String, String>getAsyncMap(LEASES_MAP);
            })
        .compose(
            m -> {
              leases = m;
              return consumer.completion();
            })
        .onSuccess(
            v ->
                LOG.info(
                    "fleet: coordinating fetches (lease "
                        + leaseMillis
                        + " ms); "
                        + (remoteConsumers
                            ? "token-broker.token answers other JVMs of the cluster"
                            : "token-broker.token is local only (no cluster.tls, host not loopback)")));
  }

  @Override
  public Future<TokenResponse> fetch(
      TokenKey key, Token stale, Supplier<Future<TokenResponse>> idp) {
    Promise<TokenResponse> out = Promise.promise();
    round(key, cipher.keyId(key), stale, idp, 1)
        .recover(
            t -> {
              if (t instanceof Unreachable u) {
                LOG.warning(
                    "fleet: cluster unreachable for "
                        + key
                        + " ("
                        + u.getMessage()
                        + "); fetching on this node alone");
                return idp.get();
              }
              return Future.failedFuture(t);
            })
        // Every continuation runs on the cache's context, whatever thread completed the step.
        .onComplete(ar -> context.runOnContext(v -> out.handle(ar)));
    return out.future();
  }

  /** One round: the shared entry, else the lease, else wait for the holder. */
  private Future<TokenResponse> round(
      TokenKey key, String id, Token stale, Supplier<Future<TokenResponse>> idp, int round) {
    Promise<TokenResponse> published = waiter(id);
    return readShared(key, id, stale)
        .compose(
            found -> {
              if (found != null) {
                dropWaiter(id, published);
                listener.tokenReceived(key);
                return Future.succeededFuture(found);
              }
              String lease = nodeId + "/" + (++leaseSeq);
              return op("lease", leases.putIfAbsent(id, lease, leaseMillis))
                  .compose(
                      holder -> {
                        if (holder == null) {
                          dropWaiter(id, published);
                          return asHolder(key, id, stale, idp, lease);
                        }
                        return awaitHolder(key, id, stale, idp, round, published);
                      });
            })
        .onFailure(t -> dropWaiter(id, published));
  }

  private Future<TokenResponse> asHolder(
      TokenKey key, String id, Token stale, Supplier<Future<TokenResponse>> idp, String lease) {
    return readShared(key, id, stale)
        .compose(
            found -> {
              if (found != null) {
                listener.tokenReceived(key);
                return Future.succeededFuture(found);
              }
              LOG.info("fleet: fetching " + key + " for the fleet (lease held)");
              return idp.get().compose(r -> share(key, id, r));
            })
        .eventually(
            () -> op("release", leases.removeIfPresent(id, lease)).otherwiseEmpty().mapEmpty());
  }

  /** Writes the sealed token with TTL = its remaining lifetime, publishes it, returns it. */
  private Future<TokenResponse> share(TokenKey key, String id, TokenResponse r) {
    String box = cipher.sealToken(key, r);
    long ttl = Math.max(1, r.expiresAtMillis() - clock.millis());
    return op("write", tokens.put(id, box, ttl))
        .transform(
            ar -> {
              if (ar.failed()) {
                LOG.warning("fleet: could not share the new token for " + key + ": " + ar.cause());
              }
              vertx
                  .eventBus()
                  .publish(
                      TOKENS_ADDRESS,
                      new JsonObject().put("id", id).put("node", nodeId).put("sealed", box));
              return Future.succeededFuture(r);
            });
  }

  private Future<TokenResponse> awaitHolder(
      TokenKey key,
      String id,
      Token stale,
      Supplier<Future<TokenResponse>> idp,
      int round,
      Promise<TokenResponse> published) {
    listener.leaseWaited(key);
    long timer =
        vertx.setTimer(
            leaseMillis, t -> published.tryFail(new java.util.concurrent.TimeoutException()));
    return published
        .future()
        .onComplete(ar -> vertx.cancelTimer(timer))
        .compose(
            r -> {
              listener.tokenReceived(key);
              return Future.succeededFuture(r);
            },
            t -> {
              dropWaiter(id, published);
              if (round >= MAX_ROUNDS) {
                LOG.warning(
                    "fleet: no token for "
                        + key
                        + " from the fleet after "
                        + round
                        + " leases; fetching on this node alone");
                return idp.get();
              }
              return round(key, id, stale, idp, round + 1);
            });
  }

  /**
   * The shared token if it was obtained after {@code stale} (a refresh or invalidation elsewhere)
   * and is servable for a while yet; null otherwise.
   */
  private Future<TokenResponse> readShared(TokenKey key, String id, Token stale) {
    return op("read", tokens.get(id))
        .map(
            box -> {
              if (box == null) {
                return null;
              }
              TokenResponse r = open(id, box);
              return r != null && usable(r, stale) ? r : null;
            });
  }

  private boolean usable(TokenResponse r, Token stale) {
    if (r.expiresAtMillis() - clock.millis() < MIN_REMAINING_MILLIS) {
      return false;
    }
    return stale == null
        || (r.requestedAtMillis() > stale.obtainedAtMillis()
            && !r.accessToken().equals(stale.accessToken()));
  }

  private TokenResponse open(String id, String box) {
    try {
      return cipher.openToken(id, box).response();
    } catch (FleetCipher.Refused e) {
      LOG.warning("fleet: a shared token did not open (" + e.getMessage() + "); ignored");
      return null;
    }
  }

  private void published(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if (body == null || nodeId.equals(body.getString("node"))) {
      return;
    }
    String id = body.getString("id");
    String box = body.getString("sealed");
    if (id == null || box == null) {
      return;
    }
    FleetCipher.Opened opened;
    try {
      opened = cipher.openToken(id, box);
    } catch (FleetCipher.Refused e) {
      LOG.warning("fleet: a published token did not open (" + e.getMessage() + "); ignored");
      return;
    }
    List<Promise<TokenResponse>> waiting = waiters.remove(id);
    if (waiting != null) {
      waiting.forEach(p -> p.tryComplete(opened.response()));
    } else if (sink.test(opened.key(), opened.response())) {
      listener.tokenReceived(opened.key());
    }
  }

  private Promise<TokenResponse> waiter(String id) {
    Promise<TokenResponse> p = Promise.promise();
    waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(p);
    return p;
  }

  private void dropWaiter(String id, Promise<TokenResponse> p) {
    List<Promise<TokenResponse>> list = waiters.get(id);
    if (list != null) {
      list.remove(p);
      if (list.isEmpty()) {
        waiters.remove(id);
      }
    }
  }

  /** A cluster operation bounded by {@link #OPERATION_TIMEOUT_MILLIS}; failures are Unreachable. */
  private <T> Future<T> op(String what, Future<T> f) {
    return f.timeout(OPERATION_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .recover(t -> Future.failedFuture(new Unreachable(what, t)));
  }

  @Override
  public JsonObject status() {
    return new JsonObject()
        .put("enabled", true)
        .put("members", members.getAsInt())
        .put("node", nodeId)
        .put("remoteConsumers", remoteConsumers);
  }

  @Override
  public Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
