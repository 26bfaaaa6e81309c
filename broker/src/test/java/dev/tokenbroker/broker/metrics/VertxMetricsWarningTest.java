package dev.tokenbroker.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.BrokerProcess;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vert.x meters share the broker's registry without Micrometer's "Gauge already registered"
 * warning at start (see {@link DuplicateGaugeWarning}), and the filter hides nothing else.
 */
@ExtendWith(VertxExtension.class)
class VertxMetricsWarningTest {

  @Test
  void theBrokerProcessStartsWithoutTheDuplicateGaugeWarning(Vertx vertx, @TempDir Path dir)
      throws Exception {
    try (TestIdp idp = TestIdp.start(vertx)) {
      Path config = dir.resolve("broker.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: 0}",
              "idp: {tokenEndpoint: '" + idp.tokenEndpoint() + "', clientId: a, clientSecret: b}",
              "eventBus: {tcpBridge: {enabled: false}}",
              "tokens: [{audience: 'https://students-api', prefetch: false}]",
              ""));
      try (BrokerProcess broker = BrokerProcess.start(config, Map.of())) {
        int port = broker.port();
        String metrics = "";
        for (int i = 0; i < 3; i++) { // three connections: the second used to warn as well
          metrics =
              RawHttp.exchange(
                  port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        }
        assertTrue(metrics.startsWith("HTTP/1.1 200"), metrics);
        // both consumers are counted although the second registration was the one that warned
        assertTrue(metrics.contains("vertx_eventbus_handlers 2.0"), metrics);
        // no per-request HTTP-server or per-read net-server meters; the broker's own instead
        assertFalse(metrics.contains("vertx_http_server_"), metrics);
        assertFalse(metrics.contains("vertx_net_server_"), metrics);
        assertTrue(metrics.contains("token_broker_http_active_requests{listener=\"api\"} 1.0"));
        assertTrue(metrics.contains("token_broker_token_requests_total{api=\"http\""));
        broker.stop();
        String all = String.join("\n", broker.lines());
        assertFalse(all.contains("already registered"), all);
        assertTrue(all.contains("started in"), all);
      }
    }
  }

  @Test
  void otherMicrometerWarningsStillPass() {
    DuplicateGaugeWarning.install();
    Logger micrometer = Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");
    LogRecord vertxGauge =
        new LogRecord(
            Level.WARNING,
            "This Gauge has been already registered (MeterId{name='vertx.eventbus.handlers',"
                + " tags=[]}), the registration will be ignored.");
    LogRecord ours =
        new LogRecord(
            Level.WARNING,
            "This Gauge has been already registered (MeterId{name='token_broker_cache_keys',"
                + " tags=[]}), the registration will be ignored.");
    assertFalse(micrometer.getFilter().isLoggable(vertxGauge));
    assertTrue(micrometer.getFilter().isLoggable(ours));
    assertEquals(
        true, micrometer.getFilter().isLoggable(new LogRecord(Level.WARNING, "anything else")));
  }
}
