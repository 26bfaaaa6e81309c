package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cache through the real HTTP API against a real IdP, with time moved by hand: the IdP's token
 * times and the broker's clock are the same {@link MutableClock}, and the periodic tick is called
 * by the test instead of a timer.
 */
@ExtendWith(VertxExtension.class)
class TokenCacheTest {

  private static final String URI =
      "/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents%20write%3Astudents";

  private MutableClock clock;
  private TestIdp idp;
  private Events events;
  private RunningBroker broker;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock);
    events = new Events();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (broker != null) {
      broker.undeploy();
    }
    idp.close();
  }

  private void deploy(Vertx vertx, JsonObject config) {
    broker = RunningBroker.deploy(vertx, config, clock, false, events);
  }

  private static JsonObject onDemand(JsonObject config) {
    config.getJsonArray("tokens").getJsonObject(0).put("prefetch", false);
    return config;
  }

  @Test
  void thousandConcurrentColdRequestsMakeOneIdpCall(Vertx vertx) {
    idp.proxy().mode(FaultProxy.Mode.SLOW).slowMillis(300);
    JsonObject config = onDemand(idp.brokerConfig());
    // 1,000 connections at once: above the default http.limits.maxConnections (256)
    config.getJsonObject("http").put("limits", new JsonObject().put("maxConnections", 1100));
    deploy(vertx, config);
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(broker.port()),
            new PoolOptions().setHttp1MaxSize(1000));
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      answers.add(
          client
              .request(
                  new RequestOptions()
                      .setMethod(HttpMethod.GET)
                      .setURI(URI)
                      .putHeader("Token-Broker-Request", "true"))
              .compose(req -> req.send())
              .compose(
                  resp -> {
                    assertEquals(200, resp.statusCode());
                    return resp.body();
                  })
              .map(b -> b.toJsonObject().getString("access_token")));
    }
    Future.all(answers).await();
    Set<String> tokens = new HashSet<>();
    answers.forEach(f -> tokens.add(f.result()));
    assertEquals(1, tokens.size(), "every caller got the same token");
    assertEquals(1, idp.proxy().tokenRequests(), "one IdP call for 1,000 concurrent cold requests");
    client.close().await();
  }

  @Test
  void refreshesInTheBackgroundAheadOfExpiry(Vertx vertx) {
    idp.tokenLifetimeSeconds(100);
    deploy(vertx, idp.brokerConfig());
    Token first = events.nextRefresh();
    assertEquals(1, idp.proxy().tokenRequests());
    // Default policy: refresh at half the lifetime ±10 %, i.e. between 45 s and 55 s.
    clock.advanceSeconds(44);
    broker.tick();
    assertEquals(1, idp.proxy().tokenRequests(), "no refresh before 45 % of the lifetime");
    assertEquals(
        first.accessToken(), broker.getToken(URI).await().json().getString("access_token"));

    clock.advanceSeconds(12); // 56 s: past the latest refresh point
    broker.tick();
    Token second = events.nextRefresh();
    assertEquals(2, idp.proxy().tokenRequests(), "exactly one refresh call");
    assertNotEquals(first.accessToken(), second.accessToken());
    long refreshedAfter = second.obtainedAtMillis() - first.obtainedAtMillis();
    assertTrue(
        refreshedAfter >= 45_000 && refreshedAfter <= 56_000, "refreshed at " + refreshedAfter);
    Answer a = broker.getToken(URI).await();
    assertEquals(second.accessToken(), a.json().getString("access_token"));
    // Ticking again without time passing does not call the IdP again.
    broker.tick();
    broker.tick();
    assertEquals(2, idp.proxy().tokenRequests());
  }

  @Test
  void servesTheHeldTokenWhileRefreshFailsButNeverPastExpiry(Vertx vertx) {
    idp.tokenLifetimeSeconds(100);
    deploy(vertx, idp.brokerConfig());
    Token held = events.nextRefresh();
    idp.proxy().mode(FaultProxy.Mode.ERROR_503).retryAfter("1");

    clock.advanceSeconds(56);
    broker.tick();
    events.nextFailure();
    Answer during = broker.getToken(URI).await();
    assertEquals(200, during.status(), "a still-valid token is served while the IdP fails");
    assertEquals(held.accessToken(), during.json().getString("access_token"));
    assertTrue(during.json().getLong("expires_in") > 0);

    // The margin is min(5 s, lifetime / 10) = 5 s: served until expiry - 5 s, refused after.
    assertEquals(held.expiresAtMillis() - 5_000, held.serveUntilMillis());
    clock.advanceMillis(held.serveUntilMillis() - 1 - clock.millis());
    assertEquals(200, broker.getToken(URI).await().status());
    clock.advanceMillis(1);
    broker.tick();
    Answer after = broker.getToken(URI).await();
    assertEquals(503, after.status());
    assertEquals("temporarily_unavailable", after.json().getString("error"));
    assertNotNull(after.headers().get("Retry-After"));
    assertTrue(!after.body().toString().contains(held.accessToken()), "never the expired token");
  }

  @Test
  void onDemandKeysAreEvictedWhenIdle(Vertx vertx) {
    deploy(vertx, idp.brokerConfig());
    events.nextRefresh();
    Answer a =
        broker.getToken("/v1/token?audience=https://students-api&scope=read:students").await();
    assertEquals(200, a.status());
    assertEquals("read:students", a.json().getString("scope"));
    assertEquals(2, broker.verticle().cache().size());

    clock.advanceSeconds(599);
    broker.tick();
    assertEquals(2, broker.verticle().cache().size(), "not idle yet");
    clock.advanceSeconds(2);
    broker.tick();
    assertTrue(events.nextEviction().endsWith("idle"));
    assertEquals(1, broker.verticle().cache().size(), "the prefetched key stays");
  }

  @Test
  void theNumberOfKeysIsBounded(Vertx vertx) {
    JsonObject config = idp.brokerConfig().put("cache", new JsonObject().put("maxKeys", 2));
    deploy(vertx, config);
    events.nextRefresh();
    assertEquals(
        200,
        broker
            .getToken("/v1/token?audience=https://students-api&scope=read:students")
            .await()
            .status());
    clock.advanceSeconds(1);
    assertEquals(
        200,
        broker
            .getToken("/v1/token?audience=https://students-api&scope=write:students")
            .await()
            .status());
    assertTrue(events.nextEviction().endsWith("max_keys"));
    assertEquals(2, broker.verticle().cache().size());
    assertEquals(3, idp.proxy().tokenRequests());
    // The evicted key is fetched again when asked for.
    assertEquals(
        200,
        broker
            .getToken("/v1/token?audience=https://students-api&scope=read:students")
            .await()
            .status());
    assertEquals(4, idp.proxy().tokenRequests());
  }

  @Test
  void manyPrefetchedKeysAreFetchedAFewAtATime(Vertx vertx) {
    io.vertx.core.json.JsonArray tokens = new io.vertx.core.json.JsonArray();
    for (int i = 0; i < 200; i++) {
      tokens.add(
          new JsonObject()
              .put("audience", "https://api-" + i)
              .put("scopes", new io.vertx.core.json.JsonArray().add("read")));
    }
    JsonObject config = idp.brokerConfig().put("tokens", tokens);
    config.getJsonObject("idp").put("maxConcurrentRequests", 4).put("audienceCheck", "warn");
    java.util.concurrent.atomic.AtomicInteger inFlight =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger peak =
        new java.util.concurrent.atomic.AtomicInteger();
    broker =
        RunningBroker.deploy(
            vertx,
            config,
            clock,
            false,
            events,
            new CacheListener() {
              @Override
              public void fetchStarted(TokenKey key, boolean background) {
                peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              }

              @Override
              public void refreshed(Token token, long latencyMillis) {
                inFlight.decrementAndGet();
              }

              @Override
              public void fetchFailed(
                  TokenKey key,
                  dev.tokenbroker.broker.idp.IdpException failure,
                  long latencyMillis,
                  long next) {
                inFlight.decrementAndGet();
              }
            });
    for (int i = 0; i < 200; i++) {
      events.nextRefresh();
    }
    assertEquals(200, idp.proxy().tokenRequests(), "each key fetched once, none failed");
    assertEquals(4, peak.get(), "never more than idp.maxConcurrentRequests at once");
    assertEquals(200, broker.get("/health/ready").status());
  }

  @Test
  void anIdpRefusalIsA502WithTheIdpErrorAndIsNotRetriedAtOnce(Vertx vertx) {
    idp.proxy()
        .override(
            req ->
                req.response()
                    .setStatusCode(401)
                    .putHeader("Content-Type", "application/json")
                    .end(
                        "{\"error\":\"invalid_client\",\"error_description\":\"Invalid client credentials\"}"));
    deploy(vertx, onDemand(idp.brokerConfig()));
    Answer a = broker.getToken(URI).await();
    assertEquals(502, a.status());
    assertEquals("invalid_client", a.json().getString("idp_error"));
    assertTrue(a.json().getString("error_description").contains("Invalid client credentials"));
    Answer again = broker.getToken(URI).await();
    assertEquals(502, again.status());
    assertEquals(
        1, idp.proxy().tokenRequests(), "a refusal is retried only at the maximum interval");
    assertTrue(!a.body().toString().contains(TestIdp.CLIENT_SECRET));
  }
}
