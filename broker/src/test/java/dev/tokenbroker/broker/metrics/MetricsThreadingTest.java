package dev.tokenbroker.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.testing.MutableClock;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code /metrics} renders on a worker, not on the broker's event loop, and the gauges read a
 * snapshot the event loop published, never the cache's (unsynchronized) maps.
 */
@ExtendWith(VertxExtension.class)
class MetricsThreadingTest {

  @Test
  void theScrapeRunsOffTheEventLoopAndGaugesReadThePublishedSnapshot(Vertx vertx) throws Exception {
    MutableClock clock = MutableClock.atSystemTime();
    try (TestIdp idp = TestIdp.start(vertx, clock).tokenLifetimeSeconds(100).warmUp()) {
      clock.advanceMillis(System.currentTimeMillis() - clock.millis());
      Events events = new Events();
      RunningBroker broker = RunningBroker.deploy(vertx, idp.brokerConfig(), clock, false, events);
      events.nextRefresh();
      AtomicReference<Thread> eventLoop = new AtomicReference<>();
      broker.onContext(() -> eventLoop.set(Thread.currentThread()));
      AtomicReference<Thread> renderedOn = new AtomicReference<>();
      Gauge.builder(
              "test_render_thread",
              renderedOn,
              r -> {
                r.set(Thread.currentThread());
                return 1;
              })
          .register(broker.verticle().metrics().registry());

      String scrape = broker.get("/metrics").body().toString();
      assertNotEquals(eventLoop.get(), renderedOn.get(), "rendered on the broker's event loop");
      assertTrue(
          renderedOn.get().getName().startsWith("vert.x-worker"), renderedOn.get().getName());
      assertEquals(1, BrokerMetricsTest.value(scrape, "token_broker_cache_keys"));

      // A second key joins the cache on the event loop. A scrape of the registry from this (test)
      // thread must not read the live cache: it sees the snapshot of the last /metrics.
      broker.onContext(
          () -> broker.verticle().cache().get(TokenKey.of(TestIdp.AUDIENCE, List.of("x"))));
      events.nextRefresh();
      String direct = broker.verticle().metrics().registry().scrape();
      assertEquals(1, BrokerMetricsTest.value(direct, "token_broker_cache_keys"));
      String newRow =
          "token_broker_token_expiry_seconds{audience=\"https://students-api\",client=\"default\",scope=\"x\"}";
      assertFalse(direct.contains(newRow), "per-key rows come from the published snapshot only");

      String next = broker.get("/metrics").body().toString();
      assertEquals(2, BrokerMetricsTest.value(next, "token_broker_cache_keys"));
      assertTrue(next.contains(newRow), next);
      broker.undeploy();
    }
  }
}
