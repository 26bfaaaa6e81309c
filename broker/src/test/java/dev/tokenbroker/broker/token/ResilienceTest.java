package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.FaultProxy.Mode;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * IdP faults injected on the real HTTP path (stop, 500, 503, 429 with Retry-After, answers slower
 * than the timeout, connection reset, garbage and empty bodies). For each: what callers receive,
 * how many IdP calls happen during the fault window, and that service resumes after it.
 */
@ExtendWith(VertxExtension.class)
class ResilienceTest {

  private static final String URI =
      "/v1/token?audience=https://students-api&scope=read:students%20write:students";

  private MutableClock clock;
  private TestIdp idp;
  private Events events;
  private RunningBroker broker;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock).tokenLifetimeSeconds(100);
    events = new Events();
    warmUp(idp);
    // mock-oauth2-server's expires_in counts from the wall clock: start level with it again
    clock.advanceMillis(System.currentTimeMillis() - clock.millis());
  }

  /**
   * One token request through the proxy before the broker starts, uncounted: on a busy machine the
   * first answer of a cold IdP can take longer than the 1.5 s request timeout used here, and with
   * the tick driven by hand nothing would retry the prefetch.
   */
  static void warmUp(TestIdp idp) throws Exception {
    java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(idp.tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&client_id=warm-up&client_secret=x"))
                .timeout(java.time.Duration.ofSeconds(30))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.discarding());
    idp.proxy().reset();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (broker != null) {
      broker.undeploy();
    }
    idp.close();
  }

  private void deploy(Vertx vertx, JsonObject retry) {
    JsonObject config = idp.brokerConfig();
    config.put("retry", retry);
    config.getJsonObject("idp").put("requestTimeoutMillis", 1_500);
    broker = RunningBroker.deploy(vertx, config, clock, false, events);
  }

  private static JsonObject retry(int threshold, long resetMillis) {
    return new JsonObject()
        .put("minBackoffMillis", 1000)
        .put("maxBackoffMillis", 60_000)
        .put("breakerFailureThreshold", threshold)
        .put("breakerResetMillis", resetMillis);
  }

  // Ticking every second without backoff would call the IdP 35 times in the window; with backoff
  // (1 s minimum, doubling cap, full jitter) the expected count is about 7, so 12 is a bound that
  // flags a storm without flaking on an unlucky draw. 429 with Retry-After 30 s allows 2.
  @ParameterizedTest(name = "{0}: at most {1} IdP calls in 35 s")
  @CsvSource({
    "DOWN, 12",
    "ERROR_500, 12",
    "ERROR_503, 12",
    "RATE_LIMITED_429, 2",
    "SLOW, 12",
    "RESET, 12",
    "GARBAGE, 12",
    "EMPTY_200, 12",
  })
  void aWarmKeyIsServedThroughTheFaultWithBoundedIdpCallsAndRecovers(
      Mode fault, int maxCalls, Vertx vertx) {
    deploy(vertx, retry(1000, 100));
    Token held = events.nextRefresh();
    idp.proxy().retryAfter("30").slowMillis(2_500).mode(fault);
    int before = idp.proxy().tokenRequests();

    // From the refresh point (56 s) to just before serve-until (95 s - 1 s), one tick a second.
    clock.advanceSeconds(56);
    for (int s = 56; s <= 90; s++) {
      broker.tickAndSettle();
      Answer a = broker.getToken(URI).await();
      assertEquals(200, a.status(), fault + " at " + s + " s: " + a.body());
      assertEquals(held.accessToken(), a.json().getString("access_token"));
      assertTrue(a.json().getLong("expires_in") > 0);
      clock.advanceSeconds(1);
    }
    int calls = idp.proxy().tokenRequests() - before;
    assertTrue(calls >= 1 && calls <= maxCalls, fault + ": " + calls + " IdP calls in the window");

    idp.proxy().mode(Mode.PASS);
    for (int i = 0; i < 120 && events.pendingRefreshes() == 0; i++) {
      clock.advanceSeconds(1);
      broker.tickAndSettle();
    }
    Token fresh = events.nextRefresh();
    assertNotEquals(held.accessToken(), fresh.accessToken());
    assertEquals(
        fresh.accessToken(), broker.getToken(URI).await().json().getString("access_token"));
  }

  @Test
  void retryAfterIsHonouredToTheSecond(Vertx vertx) {
    deploy(vertx, retry(1000, 100));
    events.nextRefresh();
    idp.proxy().mode(Mode.RATE_LIMITED_429).retryAfter("20");
    clock.advanceSeconds(56);
    broker.tickAndSettle();
    int afterFirst = idp.proxy().tokenRequests();
    for (int i = 0; i < 19; i++) {
      clock.advanceSeconds(1);
      broker.tickAndSettle();
    }
    assertEquals(afterFirst, idp.proxy().tokenRequests(), "no call before Retry-After passes");
    clock.advanceSeconds(1);
    broker.tickAndSettle();
    assertEquals(afterFirst + 1, idp.proxy().tokenRequests());
  }

  @Test
  void aColdCallerWaitsAtMostMaxWait(Vertx vertx) {
    JsonObject config = idp.brokerConfig();
    config.getJsonArray("tokens").getJsonObject(0).put("prefetch", false);
    config.put("cache", new JsonObject().put("maxWaitMillis", 200));
    broker = RunningBroker.deploy(vertx, config, clock, false, events);
    idp.proxy().mode(Mode.SLOW).slowMillis(2_000);
    long start = System.nanoTime();
    Answer a = broker.getToken(URI).await();
    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(503, a.status());
    assertEquals("temporarily_unavailable", a.json().getString("error"));
    assertEquals("1", a.headers().get("Retry-After"));
    assertTrue(waitedMillis < 1_500, "answered after " + waitedMillis + " ms, not after the IdP");
  }

  @Test
  void theCircuitBreakerOpensStopsCallsAndProbesAfterTheReset(Vertx vertx) {
    deploy(vertx, retry(3, 400));
    events.nextRefresh();
    idp.proxy().mode(Mode.ERROR_500);
    clock.advanceSeconds(56);
    for (int i = 0; i < 3; i++) {
      broker.tickAndSettle();
      if (i < 2) {
        clock.advanceSeconds(10); // past the backoff
      }
    }
    assertEquals(4, idp.proxy().tokenRequests(), "1 at start + 3 failures");
    assertEquals("open", broker.get("/health/ready").json().getString("breaker"));
    Answer cold =
        broker.getToken("/v1/token?audience=https://students-api&scope=read:students").await();
    assertEquals(503, cold.status(), "a cold key while the breaker is open");
    broker.tickAndSettle();
    assertEquals(4, idp.proxy().tokenRequests(), "an open breaker does not call the IdP");

    idp.proxy().mode(Mode.PASS);
    // The first open interval is 400 ms (x 0.75..1), measured on the broker's clock.
    clock.advanceMillis(200);
    assertEquals("open", broker.get("/health/ready").json().getString("breaker"));
    clock.advanceMillis(250);
    assertEquals("half_open", broker.get("/health/ready").json().getString("breaker"));
    clock.advanceSeconds(70);
    broker.tickAndSettle();
    assertEquals(5, idp.proxy().tokenRequests(), "one probe");
    assertEquals("closed", broker.get("/health/ready").json().getString("breaker"));
  }
}
