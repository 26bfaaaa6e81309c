package dev.tokenbroker.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The series on /metrics, read back from a real scrape after a scenario. */
@ExtendWith(VertxExtension.class)
class BrokerMetricsTest {

  private static final String KEY_TAGS =
      "audience=\"https://students-api\",client=\"default\",scope=\"read:students write:students\"";

  static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    if (!m.find()) {
      throw new AssertionError("no series " + series + " in\n" + scrape);
    }
    return Double.parseDouble(m.group(1));
  }

  @Test
  void everyDocumentedSeriesIsExportedWithItsLabels(Vertx vertx) throws Exception {
    MutableClock clock = MutableClock.atSystemTime();
    try (TestIdp idp = TestIdp.start(vertx, clock).tokenLifetimeSeconds(100).warmUp()) {
      clock.advanceMillis(System.currentTimeMillis() - clock.millis());
      Events events = new Events();
      RunningBroker broker = RunningBroker.deploy(vertx, idp.brokerConfig(), clock, false, events);
      events.nextRefresh();
      String uri = "/v1/token?audience=https://students-api&scope=read:students%20write:students";
      broker.getToken(uri).await();
      broker.getToken(uri).await();
      broker
          .getToken("/v1/token?audience=https://students-api&scope=read:students")
          .await(); // cold: wait
      broker.getToken("/v1/token?audience=https://other-api").await(); // denied
      broker.get(uri); // no header: denied
      vertx
          .eventBus()
          .request("token-broker.token", new JsonObject().put("audience", "https://students-api"))
          .await();

      idp.proxy().mode(FaultProxy.Mode.ERROR_503).retryAfter("30");
      clock.advanceSeconds(56);
      broker.tickAndSettle();
      clock.advanceSeconds(3);

      String scrape = broker.get("/metrics").body().toString();
      assertEquals(
          2, value(scrape, "token_broker_token_requests_total{api=\"http\",outcome=\"hit\"}"));
      assertEquals(
          1, value(scrape, "token_broker_token_requests_total{api=\"http\",outcome=\"wait\"}"));
      assertEquals(
          2, value(scrape, "token_broker_token_requests_total{api=\"http\",outcome=\"denied\"}"));
      assertEquals(
          0, value(scrape, "token_broker_token_requests_total{api=\"http\",outcome=\"error\"}"));
      assertEquals(
          1, value(scrape, "token_broker_token_requests_total{api=\"eventbus\",outcome=\"hit\"}"));
      assertEquals(
          2,
          value(
              scrape,
              "token_broker_idp_requests_total{client=\"default\",outcome=\"success\",status=\"200\"}"));
      // both keys reached their refresh point during the outage
      assertEquals(
          2,
          value(
              scrape,
              "token_broker_idp_requests_total{client=\"default\",outcome=\"unavailable\",status=\"503\"}"));
      assertEquals(
          4, value(scrape, "token_broker_idp_request_duration_seconds_count{client=\"default\"}"));
      assertTrue(
          scrape.contains(
              "token_broker_idp_request_duration_seconds_bucket{client=\"default\",le="));
      assertEquals(
          1,
          value(
              scrape,
              "token_broker_refreshes_total{audience=\"https://students-api\",client=\"default\",outcome=\"success\",scope=\"read:students write:students\"}"));
      assertEquals(
          1,
          value(
              scrape,
              "token_broker_refreshes_total{audience=\"https://students-api\",client=\"default\",outcome=\"failure\",scope=\"read:students write:students\"}"));
      double expiry = value(scrape, "token_broker_token_expiry_seconds{" + KEY_TAGS + "}");
      assertTrue(expiry > 35 && expiry <= 41, "expiry " + expiry);
      assertEquals(
          59, value(scrape, "token_broker_last_refresh_age_seconds{" + KEY_TAGS + "}"), 1.0);
      assertEquals(27, value(scrape, "token_broker_backoff_seconds{" + KEY_TAGS + "}"), 1.0);
      assertEquals(2, value(scrape, "token_broker_cache_keys"));
      assertEquals(0, value(scrape, "token_broker_fetches_in_flight"));
      assertEquals(
          1,
          value(scrape, "token_broker_circuit_breaker_state{client=\"default\",state=\"closed\"}"));
      assertEquals(
          0,
          value(scrape, "token_broker_circuit_breaker_state{client=\"default\",state=\"open\"}"));
      // the scrape itself is the one request in progress on the (only) listener
      assertEquals(1, value(scrape, "token_broker_http_active_requests{listener=\"api\"}"));
      assertTrue(value(scrape, "token_broker_http_connections{listener=\"api\"}") >= 1);
      // counted with plain fields, read at scrape time: one more of each, seen at once
      broker.getToken(uri).await();
      broker.getToken("/v1/token?audience=https://other-api").await();
      String again = broker.get("/metrics").body().toString();
      assertEquals(
          3, value(again, "token_broker_token_requests_total{api=\"http\",outcome=\"hit\"}"));
      assertEquals(
          3, value(again, "token_broker_token_requests_total{api=\"http\",outcome=\"denied\"}"));
      assertFalse(scrape.contains("eyJ"), "no token in the metrics");
      assertFalse(scrape.contains(TestIdp.CLIENT_SECRET));
      broker.undeploy();
    }
  }
}
