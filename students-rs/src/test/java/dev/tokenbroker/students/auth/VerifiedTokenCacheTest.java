package dev.tokenbroker.students.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tokenbroker.students.auth.impl.TokenValidatorImpl;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The verified-token cache: hits skip the signature, but never outlive the token or its keys. */
@ExtendWith(VertxExtension.class)
class VerifiedTokenCacheTest {

  static final JsonObject KEY_A = TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256");

  private final MutableClock clock = MutableClock.atSystemTime();
  private JwksServer idp;
  private TokenValidatorImpl validator;

  @BeforeEach
  void setUp(Vertx vertx) {
    idp = Await.result(new JwksServer().keys(KEY_A).start(vertx));
    validator = create(vertx, 100);
  }

  @AfterEach
  void tearDown() {
    Await.result(validator.keySource().close());
  }

  private TokenValidatorImpl create(Vertx vertx, int maxEntries) {
    TokenValidatorOptions options =
        new TokenValidatorOptions()
            .setIssuer(TestTokens.ISSUER)
            .setAudience(TestTokens.AUDIENCE)
            .setJwksUri(idp.jwksUri())
            .setTokenCacheMaxEntries(maxEntries);
    return (TokenValidatorImpl) TokenValidator.create(vertx, options, clock);
  }

  private String token(JsonObject claims) {
    return TestTokens.rs256(TestKeys.RSA_A, "key-a", claims);
  }

  private String outcome(String token) {
    Throwable failure = Await.failureOrNull(validator.validate(token));
    return failure == null ? "OK" : ((AuthFailure) failure).description();
  }

  @Test
  void repeatedTokenIsServedFromTheCache() {
    String token = token(TestTokens.claims(clock.epochSecond()));
    VerifiedToken first = Await.result(validator.validate(token));
    VerifiedToken second = Await.result(validator.validate(token));
    assertSame(first, second);
    assertEquals(1, validator.cachedTokens());
  }

  @Test
  void cachedTokenIsRejectedOnceExpired() {
    long now = clock.epochSecond();
    String token = token(TestTokens.claims(now).put("exp", now + 10));
    assertEquals("OK", outcome(token));
    clock.advance(Duration.ofSeconds(15));
    assertEquals("OK", outcome(token));
    clock.advance(Duration.ofSeconds(1));
    assertEquals("token expired", outcome(token));
  }

  @Test
  void cachedTokenIsRecheckedForNotBeforeWhenTheClockStepsBack() {
    long now = clock.epochSecond();
    String token = token(TestTokens.claims(now).put("nbf", now + 3));
    assertEquals("OK", outcome(token));
    clock.advance(Duration.ofSeconds(-10));
    assertEquals("token not yet valid", outcome(token));
  }

  @Test
  void cachedTokenIsRecheckedForIssuedAtWhenTheClockStepsBack() {
    long now = clock.epochSecond();
    String token = token(TestTokens.claims(now).put("iat", now + 3));
    assertEquals("OK", outcome(token));
    assertEquals("OK", outcome(token));
    clock.advance(Duration.ofSeconds(-10));
    assertEquals("token issued in the future", outcome(token));
  }

  @Test
  void tokenCarryingTheSignatureOfACachedOneIsVerifiedAndRefused() {
    String cached = token(TestTokens.claims(clock.epochSecond()).put("scope", "read:students"));
    // Same length, so the forged text also has the cached token's hash (its tail and length).
    String other = token(TestTokens.claims(clock.epochSecond()).put("scope", "read:teachers"));
    String forged =
        other.substring(0, other.lastIndexOf('.')) + cached.substring(cached.lastIndexOf('.'));
    assertEquals(cached.length(), forged.length());
    assertEquals("OK", outcome(cached));
    assertEquals("invalid signature", outcome(forged));
  }

  @Test
  void headerPresentationIsRememberedUnderTheExactText() {
    String token = token(TestTokens.claims(clock.epochSecond()));
    String header = "Bearer " + token;
    assertEquals(null, validator.remembered(header, 7));
    VerifiedToken verified = Await.result(validator.validate(header, 7));
    assertSame(verified, validator.remembered(header, 7));
    assertEquals(null, validator.remembered("bearer " + token, 7));
    assertEquals(1, validator.cachedTokens());
  }

  @Test
  void rememberedTokenIsRefusedOnceExpired() {
    long now = clock.epochSecond();
    String header = "Bearer " + token(TestTokens.claims(now).put("exp", now + 10));
    Await.result(validator.validate(header, 7));
    clock.advance(Duration.ofSeconds(16));
    assertEquals(null, validator.remembered(header, 7));
    assertEquals(
        "token expired",
        ((AuthFailure) Await.failure(validator.validate(header, 7))).description());
  }

  @Test
  void cacheIsBounded(Vertx vertx) {
    validator = create(vertx, 2);
    for (int i = 0; i < 3; i++) {
      assertEquals(
          "OK", outcome(token(TestTokens.claims(clock.epochSecond()).put("jti", "t" + i))));
    }
    assertEquals(2, validator.cachedTokens());
  }

  @Test
  void cacheIsFlushedWhenTheKeySetChanges() {
    String token = token(TestTokens.claims(clock.epochSecond()));
    VerifiedToken first = Await.result(validator.validate(token));
    Await.result(validator.keySource().refresh());
    assertSame(first, Await.result(validator.validate(token)));
    idp.keys(KEY_A, TestKeys.rsaJwk(TestKeys.RSA_B, "key-b", "RS256"));
    Await.result(validator.keySource().refresh());
    assertNotSame(first, Await.result(validator.validate(token)));
  }

  @Test
  void validatesConcurrentlyFromManyThreads() throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      tokens.add(token(TestTokens.claims(clock.epochSecond()).put("jti", "c" + i)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        String token = tokens.get(i % tokens.size());
        results.add(pool.submit(() -> outcome(token)));
      }
      for (Future<String> result : results) {
        assertEquals("OK", result.get());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(20, validator.cachedTokens());
    assertEquals(1, validator.keySource().fetchCount());
  }
}
