package dev.tokenbroker.students.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestServers;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JWKS cache: rotation, refetch limits, Cache-Control, and hostile or failing answers. */
@ExtendWith(VertxExtension.class)
class KeyRotationTest {

  static final JsonObject KEY_A = TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256");
  static final JsonObject KEY_B = TestKeys.rsaJwk(TestKeys.RSA_B, "key-b", "RS256");

  private final MutableClock clock = MutableClock.atSystemTime();
  private Vertx vertx;
  private JwksServer idp;
  private TokenValidator validator;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    idp = Await.result(new JwksServer().keys(KEY_A).start(vertx));
  }

  @AfterEach
  void tearDown() {
    if (validator != null) {
      Await.result(validator.keySource().close());
    }
  }

  private TokenValidatorOptions options() {
    return new TokenValidatorOptions()
        .setIssuer(TestTokens.ISSUER)
        .setAudience(TestTokens.AUDIENCE)
        .setJwksUri(idp.jwksUri());
  }

  private KeySource start(TokenValidatorOptions options) {
    validator = TokenValidator.create(vertx, options, clock);
    Await.failureOrNull(validator.keySource().refresh());
    return validator.keySource();
  }

  private String token(KeyPair key, String kid) {
    return TestTokens.rs256(key, kid, TestTokens.claims(clock.epochSecond()));
  }

  private String outcome(String token) {
    Future<VerifiedToken> result = validator.validate(token);
    Throwable failure = Await.failureOrNull(result);
    return failure == null ? "OK" : ((AuthFailure) failure).description();
  }

  @Test
  void rotatedKeyIsAcceptedAndRetiredKeyRefusedAfterRefresh() {
    start(options());
    String oldToken = token(TestKeys.RSA_A, "key-a");
    assertEquals("OK", outcome(oldToken));
    idp.keys(KEY_B);
    clock.advance(Duration.ofSeconds(31));
    assertEquals("OK", outcome(token(TestKeys.RSA_B, "key-b")));
    assertEquals("unknown key id", outcome(oldToken));
    assertEquals(2, idp.jwksFetches());
  }

  /** Status of {@code GET /students} with {@code token}, on a new connection each time. */
  private int status(HttpClient client, int port, String token) {
    return Await.result(
            client
                .request(HttpMethod.GET, port, "127.0.0.1", "/students")
                .compose(
                    req ->
                        req.putHeader("Authorization", "Bearer " + token)
                            .send()
                            .compose(resp -> resp.body().map(b -> resp.statusCode()))))
        .intValue();
  }

  @Test
  void rotationReachesEveryServerInstance() {
    StudentsVerticle server =
        TestServers.deploy(vertx, TestServers.options(idp).setInstances(2), clock);
    assertEquals(2, server.eventLoops().size(), "two instances on two event loops");
    // Without keep-alive every request opens a connection; Vert.x hands them out in turn.
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    String oldToken = token(TestKeys.RSA_A, "key-a");
    String newToken = token(TestKeys.RSA_B, "key-b");
    for (int i = 0; i < 4; i++) {
      assertEquals(200, status(client, server.actualPort(), oldToken));
    }
    idp.keys(KEY_B);
    Await.result(server.validator().keySource().refresh());
    for (int i = 0; i < 4; i++) {
      assertEquals(401, status(client, server.actualPort(), oldToken), "retired key, cached");
      assertEquals(200, status(client, server.actualPort(), newToken));
    }
    assertEquals(2, idp.jwksFetches(), "one key source for all instances");
    Await.result(client.close());
  }

  @Test
  void kidFloodCausesAtMostOneFetchPerCooldown() {
    KeySource keys = start(options());
    assertEquals("unknown key id", outcome(token(TestKeys.RSA_A, "kid-right-after-start")));
    assertEquals(1, idp.jwksFetches());
    long cooldown = dev.tokenbroker.students.config.JwksOptions.DEFAULT_REFETCH_COOLDOWN_SECONDS;
    clock.advance(Duration.ofSeconds(cooldown + 1));
    List<String> randomKids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      randomKids.add(token(TestKeys.RSA_A, UUID.randomUUID().toString()));
    }
    idp.hold();
    List<Future<VerifiedToken>> flood = new ArrayList<>();
    for (String token : randomKids) {
      flood.add(validator.validate(token));
    }
    assertEquals(2, keys.fetchCount());
    idp.release();
    for (Future<VerifiedToken> f : flood) {
      assertEquals("unknown key id", ((AuthFailure) Await.failure(f)).description());
    }
    assertEquals(2, idp.jwksFetches());
    clock.advance(Duration.ofSeconds(cooldown - 1));
    assertEquals("unknown key id", outcome(token(TestKeys.RSA_A, "kid-x")));
    assertEquals(2, keys.fetchCount());
    clock.advance(Duration.ofSeconds(2));
    assertEquals("unknown key id", outcome(token(TestKeys.RSA_A, "kid-y")));
    assertEquals(3, keys.fetchCount());
  }

  @Test
  void cacheControlMaxAgeIsHonoured() {
    idp.cacheControl("public, max-age=120");
    KeySource keys = start(options());
    String token = token(TestKeys.RSA_A, "key-a");
    clock.advance(Duration.ofSeconds(119));
    assertEquals("OK", outcome(token));
    assertEquals(1, keys.fetchCount());
    clock.advance(Duration.ofSeconds(2));
    assertEquals("OK", outcome(token));
    assertEquals(2, keys.fetchCount());
  }

  @Test
  void shortMaxAgeIsRaisedToMinRefresh() {
    idp.cacheControl("max-age=5");
    KeySource keys = start(options());
    clock.advance(Duration.ofSeconds(59));
    outcome(token(TestKeys.RSA_A, "key-a"));
    assertEquals(1, keys.fetchCount());
    clock.advance(Duration.ofSeconds(2));
    outcome(token(TestKeys.RSA_A, "key-a"));
    assertEquals(2, keys.fetchCount());
  }

  @Test
  void longMaxAgeIsCutToMaxCache() {
    idp.cacheControl("max-age=999999");
    KeySource keys = start(options());
    clock.advance(Duration.ofSeconds(3599));
    outcome(token(TestKeys.RSA_A, "key-a"));
    assertEquals(1, keys.fetchCount());
    clock.advance(Duration.ofSeconds(2));
    outcome(token(TestKeys.RSA_A, "key-a"));
    assertEquals(2, keys.fetchCount());
  }

  @Test
  void oversizedJwksIsRefused() {
    for (JwksServer.Mode mode :
        List.of(JwksServer.Mode.OVERSIZED_CHUNKED, JwksServer.Mode.OVERSIZED_DECLARED)) {
      idp.mode(mode);
      validator = TokenValidator.create(vertx, options(), clock);
      Throwable failure = Await.failure(validator.keySource().refresh());
      assertTrue(failure.getMessage().contains("larger than 65536 bytes"), failure.getMessage());
      assertEquals(false, validator.keySource().isReady());
      Await.result(validator.keySource().close());
    }
  }

  @Test
  void slowJwksTimesOut() {
    idp.mode(JwksServer.Mode.HANG);
    TokenValidatorOptions options = options();
    options.getJwks().setTimeoutMillis(300);
    validator = TokenValidator.create(vertx, options, clock);
    long start = System.nanoTime();
    Throwable failure = Await.failure(validator.keySource().refresh());
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(failure.getMessage().contains("no answer within 300 ms"), failure.getMessage());
    assertTrue(millis < 5000, millis + " ms");
  }

  @Test
  void failedRefetchKeepsThePreviousKeys() {
    KeySource keys = start(options());
    String token = token(TestKeys.RSA_A, "key-a");
    for (JwksServer.Mode mode : List.of(JwksServer.Mode.ERROR_500, JwksServer.Mode.NOT_JSON)) {
      idp.mode(mode);
      clock.advance(Duration.ofSeconds(61));
      Await.failure(keys.refresh());
      assertTrue(keys.isReady());
      assertEquals("OK", outcome(token));
    }
  }

  @Test
  void discoveryJoinsIssuerWithTrailingSlashWithoutDoubleSlash() {
    String issuer = idp.issuer(true);
    idp.discoveryIssuer(issuer);
    KeySource keys = start(options().setJwksUri(null).setIssuer(issuer));
    assertTrue(keys.isReady());
    assertEquals(1, idp.discoveryFetches());
    JsonObject claims = TestTokens.claims(clock.epochSecond()).put("iss", issuer);
    assertEquals("OK", outcome(TestTokens.rs256(TestKeys.RSA_A, "key-a", claims)));
  }

  @Test
  void discoveryNamingAnotherIssuerIsRefused() {
    idp.discoveryIssuer("https://evil.example/");
    validator =
        TokenValidator.create(
            vertx, options().setJwksUri(null).setIssuer(idp.issuer(false)), clock);
    Throwable failure = Await.failure(validator.keySource().refresh());
    assertTrue(failure.getMessage().contains("another issuer"), failure.getMessage());
    assertEquals(0, idp.jwksFetches());
  }

  @Test
  void discoveredPlainHttpJwksUriOnARemoteHostIsRefused() throws Exception {
    HttpServer doc =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.response()
                        .putHeader("Content-Type", "application/json")
                        .end(
                            new JsonObject()
                                .put("issuer", "http://127.0.0.1:" + req.localAddress().port())
                                .put("jwks_uri", "http://keys.example.com/jwks")
                                .encode()))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    try {
      validator =
          TokenValidator.create(
              vertx,
              options().setJwksUri(null).setIssuer("http://127.0.0.1:" + doc.actualPort()),
              clock);
      Throwable failure = Await.failure(validator.keySource().refresh());
      assertTrue(
          failure
              .getMessage()
              .startsWith(
                  "discovery: jwks_uri http://keys.example.com/jwks: plain http is only allowed"
                      + " for loopback hosts"),
          failure.getMessage());
    } finally {
      doc.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void explicitJwksUriWinsOverDiscovery() {
    start(options().setIssuer(idp.issuer(false)));
    assertEquals(0, idp.discoveryFetches());
    assertEquals(1, idp.jwksFetches());
  }

  @Test
  void shortRsaKeysAreNotTrusted() {
    KeyPair weak = TestKeys.rsa(1024);
    idp.keys(TestKeys.rsaJwk(weak, "weak", "RS256"));
    KeySource keys = start(options());
    assertEquals(false, keys.isReady());
    AuthFailure failure = (AuthFailure) Await.failure(validator.validate(token(weak, "weak")));
    assertEquals(503, failure.status());
  }
}
