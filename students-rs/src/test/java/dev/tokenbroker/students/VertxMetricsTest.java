package dev.tokenbroker.students;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.metrics.StudentsMetrics;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestServers;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wiring {@link Main} uses: Vert.x built with Micrometer metrics into the registry the server's
 * own meters use, so one scrape of {@code /metrics} serves {@code vertx_http_server_*} and {@code
 * students_rs_*}.
 */
class VertxMetricsTest {

  private final MutableClock clock = MutableClock.atSystemTime();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Vertx vertx;
  private Vertx idpVertx;
  private JwksServer idp;
  private WebClient client;

  @BeforeEach
  void setUp() {
    vertx = Main.vertxWithMetrics(registry);
    // The IdP on a Vertx of its own, so its HTTP server is not in the counts.
    idpVertx = Vertx.vertx();
    idp =
        Await.result(
            new JwksServer()
                .keys(TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256"))
                .start(idpVertx));
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    client.close();
    Await.result(vertx.close());
    Await.result(idpVertx.close());
  }

  @Test
  void oneScrapeServesVertxHttpServerAndStudentsMetrics() {
    StudentsVerticle rs =
        new StudentsVerticle(TestServers.options(idp), clock, StudentsMetrics.create(registry));
    Await.result(vertx.deployVerticle(rs));
    String token =
        TestTokens.rs256(TestKeys.RSA_A, "key-a", TestTokens.claims(clock.epochSecond()));
    assertEquals(
        200,
        Await.result(
                client
                    .get(rs.actualPort(), "127.0.0.1", "/students")
                    .bearerTokenAuthentication(token)
                    .send())
            .statusCode());

    String scrape =
        Await.result(client.get(rs.actualPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertTrue(
        Pattern.compile(
                "(?m)^vertx_http_server_requests_total\\{code=\"200\",method=\"GET\"} 1\\.0$")
            .matcher(scrape)
            .find(),
        scrape);
    assertTrue(scrape.contains("vertx_http_server_response_time_seconds_count{"), scrape);
    assertTrue(scrape.contains("vertx_http_server_active_connections"), scrape);
    assertTrue(scrape.contains("students_rs_requests_total{status=\"200\"} 1.0"), scrape);
    assertTrue(scrape.contains("students_rs_jwks_keys 1.0"), scrape);
    assertTrue(!scrape.contains(token.split("\\.")[2]), "token signature in /metrics");
  }
}
