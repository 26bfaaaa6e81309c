package dev.tokenbroker.students.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestServers;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /metrics} over real HTTP: the exact series and counts after a request of each kind,
 * probes and scrapes left out of the request count, and no token in the scrape.
 */
@ExtendWith(VertxExtension.class)
class MetricsTest {

  /** A token to sign: the key, the {@code kid} header, the claims. */
  private record KeyAndClaims(KeyPair key, String kid, JsonObject claims) {}

  private final MutableClock clock = MutableClock.atSystemTime();
  private final List<String> sentTokens = new ArrayList<>();
  private Vertx vertx;
  private JwksServer idp;
  private WebClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    idp =
        Await.result(
            new JwksServer().keys(TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256")).start(vertx));
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  private StudentsVerticle deploy() {
    StudentsVerticle rs =
        new StudentsVerticle(TestServers.options(idp), clock, StudentsMetrics.create());
    Await.result(vertx.deployVerticle(rs));
    return rs;
  }

  private JsonObject claims() {
    return TestTokens.claims(clock.epochSecond());
  }

  private int get(StudentsVerticle rs, String path, String token) {
    HttpRequest<Buffer> request = client.get(rs.actualPort(), "127.0.0.1", path);
    if (token != null) {
      sentTokens.add(token);
      request.putHeader("Authorization", "Bearer " + token);
    }
    return Await.result(request.send()).statusCode();
  }

  private int students(StudentsVerticle rs, KeyAndClaims token) {
    return get(rs, "/students", TestTokens.rs256(token.key, token.kid, token.claims));
  }

  private KeyAndClaims signedByA(JsonObject claims) {
    return new KeyAndClaims(TestKeys.RSA_A, "key-a", claims);
  }

  private String scrape(StudentsVerticle rs) {
    HttpResponse<Buffer> response =
        Await.result(client.get(rs.actualPort(), "127.0.0.1", "/metrics").send());
    assertEquals(200, response.statusCode());
    assertTrue(response.getHeader("Content-Type").startsWith("text/plain"));
    return response.bodyAsString();
  }

  /** {@code name{labels} -> value} of the samples whose name starts with {@code prefix}. */
  static Map<String, String> samples(String scrape, String prefix) {
    Map<String, String> samples = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(prefix)) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), line.substring(space + 1));
      }
    }
    return samples;
  }

  private static Map<String, String> failures(
      int expired,
      int badSignature,
      int wrongAudience,
      int wrongIssuer,
      int insufficientScope,
      int malformed,
      int unknownKid,
      int noKeys,
      int notYetValid,
      int missingToken) {
    Map<String, String> expected = new TreeMap<>();
    String name = "students_rs_token_validation_failures_total{reason=\"";
    expected.put(name + "bad_signature\"}", badSignature + ".0");
    expected.put(name + "expired\"}", expired + ".0");
    expected.put(name + "insufficient_scope\"}", insufficientScope + ".0");
    expected.put(name + "malformed\"}", malformed + ".0");
    expected.put(name + "missing_token\"}", missingToken + ".0");
    expected.put(name + "no_keys\"}", noKeys + ".0");
    expected.put(name + "not_yet_valid\"}", notYetValid + ".0");
    expected.put(name + "unknown_kid\"}", unknownKid + ".0");
    expected.put(name + "wrong_audience\"}", wrongAudience + ".0");
    expected.put(name + "wrong_issuer\"}", wrongIssuer + ".0");
    return expected;
  }

  @Test
  void allServerInstancesCountInOneRegistryAndShareReadiness() {
    StudentsVerticle rs =
        new StudentsVerticle(
            TestServers.options(idp).setInstances(2), clock, StudentsMetrics.create());
    Await.result(vertx.deployVerticle(rs));
    assertEquals(2, rs.eventLoops().size());
    // A new connection per request: Vert.x hands connections to the two instances in turn.
    WebClient fresh = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false));
    String token = TestTokens.rs256(TestKeys.RSA_A, "key-a", claims());
    for (int i = 0; i < 6; i++) {
      HttpResponse<Buffer> r =
          Await.result(
              fresh
                  .get(rs.actualPort(), "127.0.0.1", "/students")
                  .putHeader("Authorization", "Bearer " + token)
                  .send());
      assertEquals(200, r.statusCode());
    }
    for (int i = 0; i < 2; i++) {
      HttpResponse<Buffer> ready =
          Await.result(fresh.get(rs.actualPort(), "127.0.0.1", "/health/ready").send());
      assertEquals(200, ready.statusCode());
      assertEquals(1, ready.bodyAsJsonObject().getInteger("keys"));
    }
    fresh.close();
    assertEquals(
        Map.of("students_rs_requests_total{status=\"200\"}", "6.0"),
        samples(scrape(rs), "students_rs_requests_total"));
    assertEquals("1.0", samples(scrape(rs), "students_rs_jwks_keys").get("students_rs_jwks_keys"));
    assertEquals(
        "1.0",
        samples(scrape(rs), "students_rs_jwks_fetches_total")
            .get("students_rs_jwks_fetches_total{outcome=\"success\"}"));
  }

  @Test
  void countsRequestsByStatusFailuresByReasonFetchesAndValidations() {
    StudentsVerticle rs = deploy();

    KeyAndClaims acceptedAgain = signedByA(claims());
    assertEquals(200, students(rs, acceptedAgain));
    assertEquals(401, students(rs, signedByA(TestTokens.claims(clock.epochSecond() - 600))));
    assertEquals(401, students(rs, new KeyAndClaims(TestKeys.RSA_ATTACKER, "key-a", claims())));
    assertEquals(401, students(rs, signedByA(claims().put("aud", "https://other-api"))));
    assertEquals(401, students(rs, signedByA(claims().put("iss", "https://evil.example/"))));
    assertEquals(403, students(rs, signedByA(claims().put("scope", "read:teachers"))));
    assertEquals(401, get(rs, "/students", "not-a-jwt"));
    assertEquals(401, students(rs, new KeyAndClaims(TestKeys.RSA_B, "key-b", claims())));
    assertEquals(401, students(rs, signedByA(claims().put("nbf", clock.epochSecond() + 600))));
    assertEquals(401, get(rs, "/students", null));
    assertEquals(404, get(rs, "/nowhere", null));
    // Probes and scrapes are not client traffic: not in students_rs_requests_total.
    assertEquals(200, get(rs, "/health/live", null));
    assertEquals(200, get(rs, "/health/ready", null));
    scrape(rs);

    String scrape = scrape(rs);
    assertEquals(
        Map.of(
            "students_rs_requests_total{status=\"200\"}", "1.0",
            "students_rs_requests_total{status=\"401\"}", "8.0",
            "students_rs_requests_total{status=\"403\"}", "1.0",
            "students_rs_requests_total{status=\"404\"}", "1.0"),
        samples(scrape, "students_rs_requests_total"));
    assertEquals(
        failures(1, 1, 1, 1, 1, 1, 1, 0, 1, 1),
        samples(scrape, "students_rs_token_validation_failures_total"));
    assertEquals(
        Map.of(
            "students_rs_jwks_fetches_total{outcome=\"failure\"}", "0.0",
            "students_rs_jwks_fetches_total{outcome=\"success\"}", "1.0"),
        samples(scrape, "students_rs_jwks_fetches_total"));
    assertEquals(Map.of("students_rs_jwks_keys", "1.0"), samples(scrape, "students_rs_jwks_keys"));

    // Every token that reached the validator (all but the missing one) was timed.
    Map<String, String> timer = samples(scrape, "students_rs_token_validation_duration_seconds");
    assertEquals("9", timer.get("students_rs_token_validation_duration_seconds_count"));
    assertEquals(
        "9", timer.get("students_rs_token_validation_duration_seconds_bucket{le=\"+Inf\"}"));
    List<String> buckets = new ArrayList<>();
    for (String series : timer.keySet()) {
      if (series.contains("_bucket{le=")) {
        buckets.add(series.substring(series.indexOf('"') + 1, series.lastIndexOf('"')));
      }
    }
    assertEquals(
        new TreeSet<>(
            List.of(
                "1.0E-4", "2.5E-4", "5.0E-4", "0.001", "0.002", "0.005", "0.01", "0.025", "0.05",
                "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf")),
        new TreeSet<>(buckets));
    assertTrue(
        Double.parseDouble(timer.get("students_rs_token_validation_duration_seconds_sum")) > 0);
    assertTrue(scrape.contains("# TYPE students_rs_token_validation_duration_seconds histogram"));

    // The accepted token again: answered from the cache, counted as a hit, not timed.
    assertEquals(
        Map.of("students_rs_token_cache_hits_total", "0.0"),
        samples(scrape, "students_rs_token_cache_hits_total"));
    assertEquals(200, students(rs, acceptedAgain));
    String after = scrape(rs);
    assertEquals(
        Map.of("students_rs_token_cache_hits_total", "1.0"),
        samples(after, "students_rs_token_cache_hits_total"));
    assertEquals(
        "9",
        samples(after, "students_rs_token_validation_duration_seconds")
            .get("students_rs_token_validation_duration_seconds_count"));

    for (String token : sentTokens) {
      for (String part : token.split("\\.")) {
        assertFalse(scrape.contains(part), "token part in /metrics: " + part);
      }
    }
  }

  @Test
  void noUsableKeyIsCountedUntilAFetchSucceeds() {
    idp.mode(JwksServer.Mode.ERROR_500);
    StudentsVerticle rs = deploy();
    String token = TestTokens.rs256(TestKeys.RSA_A, "key-a", claims());

    assertEquals(503, get(rs, "/students", token));
    String down = scrape(rs);
    assertEquals(
        Map.of(
            "students_rs_jwks_fetches_total{outcome=\"failure\"}", "1.0",
            "students_rs_jwks_fetches_total{outcome=\"success\"}", "0.0"),
        samples(down, "students_rs_jwks_fetches_total"));
    assertEquals(Map.of("students_rs_jwks_keys", "0.0"), samples(down, "students_rs_jwks_keys"));
    assertEquals(
        failures(0, 0, 0, 0, 0, 0, 0, 1, 0, 0),
        samples(down, "students_rs_token_validation_failures_total"));

    idp.mode(JwksServer.Mode.NORMAL);
    clock.advance(Duration.ofSeconds(31));
    assertEquals(200, get(rs, "/students", token));
    String up = scrape(rs);
    assertEquals(
        Map.of(
            "students_rs_jwks_fetches_total{outcome=\"failure\"}", "1.0",
            "students_rs_jwks_fetches_total{outcome=\"success\"}", "1.0"),
        samples(up, "students_rs_jwks_fetches_total"));
    assertEquals(Map.of("students_rs_jwks_keys", "1.0"), samples(up, "students_rs_jwks_keys"));
    assertEquals(
        Map.of(
            "students_rs_requests_total{status=\"200\"}", "1.0",
            "students_rs_requests_total{status=\"503\"}", "1.0"),
        samples(up, "students_rs_requests_total"));
  }

  @Test
  void undeployingRemovesTheKeyGauge() {
    StudentsMetrics metrics = StudentsMetrics.create();
    StudentsVerticle rs = new StudentsVerticle(TestServers.options(idp), clock, metrics);
    String id = Await.result(vertx.deployVerticle(rs));
    assertEquals(1.0, metrics.registry().get(StudentsMetrics.JWKS_KEYS).gauge().value());
    Await.result(vertx.undeploy(id));
    assertTrue(metrics.registry().find(StudentsMetrics.JWKS_KEYS).gauges().isEmpty());
  }
}
