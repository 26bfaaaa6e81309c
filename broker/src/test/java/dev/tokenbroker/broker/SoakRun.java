package dev.tokenbroker.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenbroker.broker.testing.BrokerProcess;
import dev.tokenbroker.broker.testing.FaultProxy.Mode;
import dev.tokenbroker.broker.testing.TestIdp;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The soak benchmark (not a unit test: skipped unless {@code -Dsoak.minutes=N}; run it with {@code
 * deploy/local/soak.sh [minutes]}). The broker runs as its own process against a local IdP issuing
 * 10-second tokens; concurrent callers ask for a token every 10 ms each while the IdP goes through
 * periodic outages (connection refused, 500, 429 with Retry-After, answers slower than the
 * timeout). It prints requests served, expired tokens served (must be 0), requests failed while a
 * valid token existed (must be 0), IdP calls per key per token lifetime (the default refresh at
 * half the lifetime makes about 2 when the IdP is healthy; every distinct token costs exactly one
 * successful call, the rest are retries during outages), and the broker's p50/p99 latency during
 * and outside outages.
 */
@EnabledIfSystemProperty(named = "soak.minutes", matches = "\\d+")
class SoakRun {

  private static final int CALLERS = 32;
  private static final long LIFETIME_SECONDS = 10;
  private static final long CYCLE_MILLIS = 40_000;
  private static final long OUTAGE_MILLIS = 8_000;
  private static final Mode[] OUTAGES = {
    Mode.DOWN, Mode.ERROR_500, Mode.RATE_LIMITED_429, Mode.SLOW
  };

  /** Growable array of latencies in microseconds. */
  private static final class Samples {
    long[] v = new long[1 << 16];
    int n;

    synchronized void add(long micros) {
      if (n == v.length) {
        v = Arrays.copyOf(v, n * 2);
      }
      v[n++] = micros;
    }

    synchronized String pct() {
      if (n == 0) {
        return "n/a";
      }
      long[] s = Arrays.copyOf(v, n);
      Arrays.sort(s);
      return String.format(
          "p50 %.3f ms, p99 %.3f ms (n=%d)",
          s[n / 2] / 1000.0, s[Math.min(n - 1, (int) (n * 0.99))] / 1000.0, n);
    }
  }

  @Test
  void soak() throws Exception {
    long minutes = Long.getLong("soak.minutes");
    long durationMillis = TimeUnit.MINUTES.toMillis(minutes);
    Vertx vertx = Vertx.vertx();
    try (TestIdp idp = TestIdp.start(vertx).tokenLifetimeSeconds(LIFETIME_SECONDS)) {
      Path config = Files.createTempFile("soak-broker", ".yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: 0}",
              "idp:",
              "  tokenEndpoint: " + idp.tokenEndpoint(),
              "  clientId: soak",
              "  clientSecret: soak-only-secret",
              "  requestTimeoutMillis: 1000",
              "eventBus: {tcpBridge: {enabled: false}}",
              "cache: {tickMillis: 100, maxWaitMillis: 2000}",
              "retry: {minBackoffMillis: 250, maxBackoffMillis: 2000, breakerFailureThreshold: 5, breakerResetMillis: 1000}",
              "tokens:",
              "  - {audience: https://students-api, scopes: [read:students]}",
              ""));
      BrokerProcess broker = BrokerProcess.start(config, Map.of(), "-XX:+UseSerialGC", "-Xmx64m");
      int port = broker.port();
      HttpClient client =
          vertx.createHttpClient(
              new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
              new PoolOptions().setHttp1MaxSize(CALLERS));
      AtomicLong served = new AtomicLong();
      AtomicLong expiredServed = new AtomicLong();
      AtomicLong failedWhileValid = new AtomicLong();
      AtomicLong failedWithoutValid = new AtomicLong();
      AtomicLong latestExpMillis = new AtomicLong();
      java.util.Set<String> distinct = java.util.concurrent.ConcurrentHashMap.newKeySet();
      Samples normal = new Samples();
      Samples outage = new Samples();
      long start = System.currentTimeMillis();
      long end = start + durationMillis;
      boolean[] inOutage = new boolean[1];

      // Outage schedule: the first 20 s are calm, then every 40 s an 8 s outage of the next kind.
      vertx.setPeriodic(
          100,
          id -> {
            long t = System.currentTimeMillis() - start - 20_000;
            boolean out = t >= 0 && t % CYCLE_MILLIS < OUTAGE_MILLIS;
            if (out != inOutage[0]) {
              inOutage[0] = out;
              idp.proxy()
                  .mode(out ? OUTAGES[(int) (t / CYCLE_MILLIS) % OUTAGES.length] : Mode.PASS);
            }
          });
      idp.proxy().retryAfter("2").slowMillis(3_000);

      Promise<Void> done = Promise.promise();
      AtomicLong running = new AtomicLong(CALLERS);
      for (int c = 0; c < CALLERS; c++) {
        caller(
            vertx,
            client,
            end,
            served,
            expiredServed,
            failedWhileValid,
            failedWithoutValid,
            latestExpMillis,
            distinct,
            normal,
            outage,
            inOutage,
            running,
            done);
      }
      done.future().await();
      double seconds = (System.currentTimeMillis() - start) / 1000.0;
      int idpCalls = idp.proxy().tokenRequests();
      broker.stop();
      client.close().await();

      JsonObject result =
          new JsonObject()
              .put("minutes", minutes)
              .put("callers", CALLERS)
              .put("token_lifetime_seconds", LIFETIME_SECONDS)
              .put("requests_served", served.get())
              .put("expired_tokens_served", expiredServed.get())
              .put("failed_while_valid_token_existed", failedWhileValid.get())
              .put("failed_without_valid_token", failedWithoutValid.get())
              .put("idp_calls", idpCalls)
              .put("distinct_tokens_served", distinct.size())
              .put(
                  "idp_calls_per_key_per_lifetime",
                  Math.round(idpCalls / (seconds / LIFETIME_SECONDS) * 100) / 100.0)
              .put("failed_idp_calls", idpCalls - distinct.size())
              .put("latency_outside_outages", normal.pct())
              .put("latency_during_outages", outage.pct());
      System.out.println("SOAK " + result.encodePrettily());
      Files.writeString(Path.of("target", "soak.json"), result.encodePrettily());
      assertEquals(0, expiredServed.get(), "expired tokens served");
      assertEquals(0, failedWhileValid.get(), "requests failed while a valid token existed");
    } finally {
      vertx.close().await();
    }
  }

  private static void caller(
      Vertx vertx,
      HttpClient client,
      long end,
      AtomicLong served,
      AtomicLong expired,
      AtomicLong failedWhileValid,
      AtomicLong failedWithoutValid,
      AtomicLong latestExp,
      java.util.Set<String> distinct,
      Samples normal,
      Samples outage,
      boolean[] inOutage,
      AtomicLong running,
      Promise<Void> done) {
    if (System.currentTimeMillis() >= end) {
      if (running.decrementAndGet() == 0) {
        done.tryComplete();
      }
      return;
    }
    boolean duringOutage = inOutage[0];
    long t0 = System.nanoTime();
    client
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setURI("/v1/token?audience=https%3A%2F%2Fstudents-api")
                .putHeader("Token-Broker-Request", "true"))
        .compose(
            req ->
                req.send()
                    .compose(
                        resp ->
                            resp.body()
                                .map(
                                    b -> {
                                      long now = System.currentTimeMillis();
                                      (duringOutage ? outage : normal)
                                          .add((System.nanoTime() - t0) / 1000);
                                      judge(
                                          resp.statusCode(),
                                          b.toString(),
                                          now,
                                          served,
                                          expired,
                                          failedWhileValid,
                                          failedWithoutValid,
                                          latestExp,
                                          distinct);
                                      return null;
                                    })))
        .onComplete(
            ar ->
                vertx.setTimer(
                    10,
                    id ->
                        caller(
                            vertx,
                            client,
                            end,
                            served,
                            expired,
                            failedWhileValid,
                            failedWithoutValid,
                            latestExp,
                            distinct,
                            normal,
                            outage,
                            inOutage,
                            running,
                            done)));
  }

  private static void judge(
      int status,
      String body,
      long now,
      AtomicLong served,
      AtomicLong expired,
      AtomicLong failedWhileValid,
      AtomicLong failedWithoutValid,
      AtomicLong latestExpiresAt,
      java.util.Set<String> distinct) {
    if (status == 200) {
      served.incrementAndGet();
      JsonObject json = new JsonObject(body);
      String token = json.getString("access_token");
      distinct.add(token);
      if (jwtExpMillis(token) <= now) {
        expired.incrementAndGet(); // judged by the token's own exp claim
      }
      // The IdP's expires_in (whole seconds) can make a token's usable life up to a second shorter
      // than its exp claim; the broker goes by the earlier (its expires_at, floored to seconds) and
      // serves until expiry - min(5 s, lifetime / 10), i.e. about 1 s before it here.
      latestExpiresAt.accumulateAndGet(json.getLong("expires_at") * 1000, Math::max);
    } else if (latestExpiresAt.get() - 2_000 > now) {
      // more than a second of servable life left on a token the broker had handed out
      if (failedWhileValid.incrementAndGet() <= 5) {
        System.out.println(
            "SOAK-VIOLATION status "
                + status
                + ", "
                + (latestExpiresAt.get() - now)
                + " ms before expires_at: "
                + body);
      }
    } else {
      failedWithoutValid.incrementAndGet();
    }
  }

  private static long jwtExpMillis(String token) {
    String payload =
        new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
    return new JsonObject(payload).getLong("exp") * 1000;
  }
}
