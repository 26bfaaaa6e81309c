package dev.tokenbroker.broker.idp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.idp.impl.HttpIdpClient;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.broker.token.TokenKey;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The IdP's answer is checked before anything is cached; the IdP's own clock wins when ours is off.
 */
@ExtendWith(VertxExtension.class)
class IdpAnswerTest {

  private static final TokenRequest KEY =
      TokenKey.of(TestIdp.AUDIENCE, List.of("read:students")).request();

  private TestIdp idp;
  private Vertx vertx;
  private MutableClock clock;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    this.vertx = vertx;
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    idp.close();
  }

  private HttpIdpClient client(JsonObject extra) {
    return idp.client(vertx, clock, new JsonObject().put("maxResponseBytes", 4096).mergeIn(extra));
  }

  private void answer(int status, String body, String... headers) {
    idp.proxy()
        .override(
            req -> {
              req.response().setStatusCode(status).putHeader("Content-Type", "application/json");
              for (int i = 0; i + 1 < headers.length; i += 2) {
                req.response().putHeader(headers[i], headers[i + 1]);
              }
              req.response().end(body);
            });
  }

  static String jwt(JsonObject claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString(
            "{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8))
        + ".c2ln";
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not JSON | <html>oops</html>",
        "empty body | ''",
        "a JSON array | []",
        "no access_token | {\"token_type\":\"Bearer\",\"expires_in\":60}",
        "empty access_token | {\"access_token\":\"\",\"token_type\":\"Bearer\",\"expires_in\":60}",
        "no expires_in | {\"access_token\":\"abc\",\"token_type\":\"Bearer\"}",
        "zero expires_in | {\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":0}",
        "negative expires_in | {\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":-5}",
        "absurd expires_in | {\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":99999999999}",
        "text expires_in | {\"access_token\":\"abc\",\"token_type\":\"Bearer\",\"expires_in\":\"soon\"}",
        "token_type mac | {\"access_token\":\"abc\",\"token_type\":\"mac\",\"expires_in\":60}",
        "no token_type | {\"access_token\":\"abc\",\"expires_in\":60}",
      })
  void unusableAnswersAreIdpFailures(String what, String body) {
    answer(200, body);
    IdpException e =
        assertThrows(IdpException.class, () -> client(new JsonObject()).fetch(KEY).await(), what);
    assertEquals(IdpException.Kind.INVALID_RESPONSE, e.kind(), what);
    assertTrue(e.retryable());
  }

  @Test
  void oversizedAnswersAreAborted() {
    answer(
        200,
        "{\"access_token\":\""
            + "a".repeat(10_000)
            + "\",\"token_type\":\"Bearer\",\"expires_in\":60}");
    IdpException e =
        assertThrows(IdpException.class, () -> client(new JsonObject()).fetch(KEY).await());
    assertTrue(e.getMessage().contains("larger than 4096 bytes"), e.getMessage());
  }

  @Test
  void bearerInAnyCaseIsAccepted() {
    answer(
        200, "{\"access_token\":\"opaque-token\",\"token_type\":\"bEaReR\",\"expires_in\":86400}");
    TokenResponse r = client(new JsonObject()).fetch(KEY).await();
    assertEquals("Bearer", r.tokenType());
    assertEquals(86_400_000, r.expiresAtMillis() - r.requestedAtMillis());
    assertEquals("read:students", r.scope(), "the requested scope when the IdP does not say");
  }

  @Test
  void anEarlierJwtExpWins() {
    long now = clock.millis() / 1000;
    String token =
        jwt(new JsonObject().put("aud", TestIdp.AUDIENCE).put("iat", now).put("exp", now + 120));
    answer(
        200,
        new JsonObject()
            .put("access_token", token)
            .put("token_type", "Bearer")
            .put("expires_in", 3600)
            .encode());
    TokenResponse r = client(new JsonObject()).fetch(KEY).await();
    assertEquals((now + 120) * 1000, r.expiresAtMillis());
  }

  @Test
  void aJwtForAnotherAudienceIsRefusedOrWarned() {
    long now = clock.millis() / 1000;
    String token =
        jwt(
            new JsonObject()
                .put("aud", new JsonArray().add("https://other-api"))
                .put("iat", now)
                .put("exp", now + 600));
    answer(
        200,
        new JsonObject()
            .put("access_token", token)
            .put("token_type", "Bearer")
            .put("expires_in", 600)
            .encode());
    IdpException e =
        assertThrows(IdpException.class, () -> client(new JsonObject()).fetch(KEY).await());
    assertEquals("invalid_audience", e.error());
    assertEquals(IdpException.Kind.REFUSED, e.kind());
    TokenResponse warned = client(new JsonObject().put("audienceCheck", "warn")).fetch(KEY).await();
    assertEquals(token, warned.accessToken());
  }

  @Test
  void lifetimesFollowTheIdpClockWhenOursIsOffAndTheSkewIsLoggedOnce() {
    // Our clock is one hour ahead of the IdP's.
    long idpNow = clock.millis() / 1000;
    clock.advanceSeconds(3600);
    String token =
        jwt(
            new JsonObject()
                .put("aud", TestIdp.AUDIENCE)
                .put("iat", idpNow)
                .put("exp", idpNow + 300));
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(idpNow), ZoneOffset.UTC));
    answer(
        200,
        new JsonObject()
            .put("access_token", token)
            .put("token_type", "Bearer")
            .put("expires_in", 300)
            .encode(),
        "Date",
        date);
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    Handler h =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            if (r.getMessage().contains("clock")) warnings.add(r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger.getLogger("dev.tokenbroker.broker.idp.impl").addHandler(h);
    try {
      HttpIdpClient c = client(new JsonObject());
      TokenResponse r = c.fetch(KEY).await();
      long lifetime = r.expiresAtMillis() - clock.millis();
      assertTrue(
          lifetime > 295_000 && lifetime <= 300_000,
          "a 300 s token lives 300 s on our clock, was " + lifetime);
      c.fetch(KEY).await();
      assertEquals(1, warnings.size(), "warned once: " + warnings);
      assertTrue(
          warnings.get(0).contains("3600 s") || warnings.get(0).contains("-3600 s"),
          warnings.get(0));
    } finally {
      Logger.getLogger("dev.tokenbroker.broker.idp.impl").removeHandler(h);
    }
  }
}
