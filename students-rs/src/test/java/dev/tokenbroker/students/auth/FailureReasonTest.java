package dev.tokenbroker.students.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokenbroker.students.auth.AuthFailure.Reason;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.Jwts;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestTokens;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The {@link Reason} each refusal is counted under in {@code
 * students_rs_token_validation_failures_total}, for the refusals {@code MetricsTest} does not drive
 * over HTTP. Checked together with the description, so a reason cannot drift from its rule.
 */
class FailureReasonTest extends ValidatorFixture {

  /** "description -> REASON" of the refusal. */
  private String refusal(String token) {
    Future<VerifiedToken> result = validator.validate(token);
    AuthFailure failure = (AuthFailure) Await.failure(result);
    return failure.description() + " -> " + failure.reason();
  }

  private String signed(JsonObject header, JsonObject claims) {
    return Jwts.sign(header, claims, TestKeys.RSA_A.getPrivate());
  }

  @Test
  void forgedOrMismatchedAlgorithmsAreBadSignatures() {
    JsonObject none = new JsonObject().put("alg", "none").put("kid", "key-a");
    assertEquals(
        "unsupported algorithm -> BAD_SIGNATURE",
        refusal(Jwts.b64(none.encode()) + "." + Jwts.b64(claims().encode()) + ".c2ln"));
    byte[] der = TestKeys.RSA_A.getPublic().getEncoded();
    assertEquals(
        "unsupported algorithm -> BAD_SIGNATURE",
        refusal(Jwts.hmac(Jwts.header("HS256", "key-a"), claims(), der)));
    assertEquals(
        "algorithm does not match key -> BAD_SIGNATURE",
        refusal(TestTokens.rs256(TestKeys.RSA_B, "key-ps", claims())));
    assertEquals(
        "invalid signature -> BAD_SIGNATURE",
        refusal(TestTokens.rs256(TestKeys.RSA_ATTACKER, "key-a", claims())));
  }

  @Test
  void tokensOfAnotherFormAreMalformed() {
    assertEquals("malformed token -> MALFORMED", refusal("a.b"));
    assertEquals("token too large -> MALFORMED", refusal("a".repeat(9000)));
    assertEquals(
        "unsupported critical header -> MALFORMED",
        refusal(signed(Jwts.header("RS256", "key-a").put("crit", new JsonArray()), claims())));
    assertEquals(
        "unsupported token type -> MALFORMED",
        refusal(signed(Jwts.header("RS256", "key-a").put("typ", "id+jwt"), claims())));
    assertEquals(
        "invalid kid header -> MALFORMED",
        refusal(signed(Jwts.header("RS256", null).put("kid", 7), claims())));
    JsonObject noExp = claims();
    noExp.remove("exp");
    assertEquals("token has no expiry -> MALFORMED", refusal(rs256(noExp)));
    assertEquals("invalid exp claim -> MALFORMED", refusal(rs256(claims().put("exp", "soon"))));
  }

  @Test
  void timeKeyAndClaimRefusals() {
    assertEquals("token expired -> EXPIRED", refusal(rs256(claims().put("exp", now - 60))));
    assertEquals(
        "token not yet valid -> NOT_YET_VALID", refusal(rs256(claims().put("nbf", now + 60))));
    assertEquals(
        "token issued in the future -> NOT_YET_VALID",
        refusal(rs256(claims().put("iat", now + 60))));
    assertEquals(
        "token has no key id -> UNKNOWN_KID",
        refusal(TestTokens.rs256(TestKeys.RSA_A, null, claims())));
    assertEquals(
        "unknown key id -> UNKNOWN_KID",
        refusal(TestTokens.rs256(TestKeys.RSA_A, "key-zz", claims())));
    assertEquals(
        "invalid issuer -> WRONG_ISSUER", refusal(rs256(claims().put("iss", "https://x/"))));
    assertEquals(
        "invalid audience -> WRONG_AUDIENCE", refusal(rs256(claims().put("aud", "https://x"))));
  }

  @Test
  void requestLevelRefusals() {
    assertEquals(Reason.MISSING_TOKEN, AuthFailure.missingToken().reason());
    assertEquals(Reason.INSUFFICIENT_SCOPE, AuthFailure.insufficientScope("s").reason());
    assertEquals(Reason.NO_KEYS, AuthFailure.unavailable("none").reason());
  }
}
