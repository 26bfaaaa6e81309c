package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.tokenbroker.broker.api.eventbus.EventBusApi;
import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Consumers that see a 401 report the token; the broker refreshes once, not once per consumer. */
@ExtendWith(VertxExtension.class)
class InvalidationTest {

  private static final String URI =
      "/v1/token?audience=https://students-api&scope=read:students%20write:students";

  private MutableClock clock;
  private TestIdp idp;
  private Events events;
  private RunningBroker broker;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock);
    events = new Events();
    broker = RunningBroker.deploy(vertx, idp.brokerConfig(), clock, false, events);
    events.nextRefresh();
  }

  @AfterEach
  void tearDown() throws Exception {
    broker.undeploy();
    idp.close();
  }

  private Future<Answer> report(String accessToken, boolean header) {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setURI("/v1/token/invalidate")
            .putHeader("Content-Type", "application/json");
    if (header) {
      ro.putHeader("Token-Broker-Request", "true");
    }
    JsonObject body =
        new JsonObject()
            .put("audience", TestIdp.AUDIENCE)
            .put("scope", "read:students write:students")
            .put("access_token", accessToken);
    return broker.send(ro, body.toBuffer());
  }

  @Test
  void manyReportsOfTheHeldTokenCauseExactlyOneIdpCall() {
    String held = broker.getToken(URI).await().json().getString("access_token");
    int before = idp.proxy().tokenRequests();
    List<Future<Answer>> reports = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      reports.add(report(held, true));
    }
    Future.all(reports).await();
    long invalidated =
        reports.stream()
            .filter(f -> f.result().json().getString("result").equals("invalidated"))
            .count();
    assertEquals(1, invalidated, "one report takes effect");
    reports.forEach(f -> assertEquals(202, f.result().status()));
    broker.settle();
    assertEquals(before + 1, idp.proxy().tokenRequests(), "one IdP call for 50 reports");
    String fresh = broker.getToken(URI).await().json().getString("access_token");
    assertNotEquals(held, fresh);
    // A late report about the old token changes nothing.
    assertEquals("not_current", report(held, true).await().json().getString("result"));
    broker.settle();
    assertEquals(before + 1, idp.proxy().tokenRequests());
  }

  @Test
  void unknownTokensChangeNothingAndReportsAreRateLimited() {
    int before = idp.proxy().tokenRequests();
    assertEquals(
        "not_current", report("not-a-token-we-hold", true).await().json().getString("result"));
    String held = broker.getToken(URI).await().json().getString("access_token");
    assertEquals("invalidated", report(held, true).await().json().getString("result"));
    broker.settle();
    String second = broker.getToken(URI).await().json().getString("access_token");
    clock.advanceSeconds(5);
    assertEquals("rate_limited", report(second, true).await().json().getString("result"));
    clock.advanceSeconds(6);
    assertEquals("invalidated", report(second, true).await().json().getString("result"));
    broker.settle();
    assertEquals(before + 2, idp.proxy().tokenRequests());
  }

  @Test
  void reportsFollowTheSameAntiSsrfRules() {
    Answer a = report("x", false).await();
    assertEquals(403, a.status());
    Answer bad =
        broker
            .send(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setURI("/v1/token/invalidate")
                    .putHeader("Token-Broker-Request", "true"),
                Buffer.buffer("not json"))
            .await();
    assertEquals(400, bad.status());
    Answer huge =
        broker
            .send(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setURI("/v1/token/invalidate")
                    .putHeader("Token-Broker-Request", "true"),
                Buffer.buffer("x".repeat(100_000)))
            .await();
    assertEquals(413, huge.status());
  }

  @Test
  void theEventBusTakesReportsToo(Vertx vertx) {
    String held = broker.getToken(URI).await().json().getString("access_token");
    JsonObject reply =
        vertx
            .eventBus()
            .<JsonObject>request(
                EventBusApi.INVALIDATE,
                new JsonObject()
                    .put("audience", TestIdp.AUDIENCE)
                    .put("scope", "read:students write:students")
                    .put("access_token", held))
            .await()
            .body();
    assertEquals("invalidated", reply.getString("result"));
    broker.settle();
    assertNotEquals(held, broker.getToken(URI).await().json().getString("access_token"));
  }
}
