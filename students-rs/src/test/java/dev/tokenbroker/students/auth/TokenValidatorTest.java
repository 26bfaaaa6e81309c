package dev.tokenbroker.students.auth;

import static dev.tokenbroker.students.support.TestTokens.AUDIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.Jwts;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Structure, header, key selection and signature rules of {@link TokenValidator}. */
class TokenValidatorTest extends ValidatorFixture {

  @Test
  void acceptsValidRs256Ps256AndEs256Tokens() {
    VerifiedToken verified = Await.result(validator.validate(rs256(claims())));
    assertEquals("client-123", verified.clientId());
    assertTrue(verified.hasScope("read:students"));
    String ps = Jwts.sign(Jwts.header("PS256", "key-ps"), claims(), TestKeys.RSA_B.getPrivate());
    String es = Jwts.sign(Jwts.header("ES256", "key-ec"), claims(), TestKeys.EC_P256.getPrivate());
    assertEquals("OK", outcome(ps));
    assertEquals("OK", outcome(es));
  }

  @Test
  void rejectsOversizedTokenBeforeParsing() {
    assertEquals("token too large", outcome("a".repeat(8193)));
    String padded = rs256(claims().put("pad", "x".repeat(8200)));
    assertEquals("token too large", outcome(padded));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        ".",
        "..",
        "abc",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",
        "a..c",
        ".b.c",
        "a.b.",
        "e30.e30.e30=",
        "e30.e30.e3 0",
        "!!!.###.$$$",
        "bnVsbA.bnVsbA.c2ln",
        "W10.W10.c2ln",
        "e30.eyJhIjox.c2ln",
        "e30x.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9e30.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.ew.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.e30.a"
      })
  void rejectsMalformedTokens(String token) {
    String reason = outcome(token);
    assertTrue(
        reason.equals("malformed token") || reason.equals("invalid signature"),
        token + " -> " + reason);
  }

  @Test
  void rejectsDuplicateClaims() {
    String payload = claims().put("aud", "https://evil").encode();
    payload = payload.substring(0, payload.length() - 1) + ",\"aud\":\"" + AUDIENCE + "\"}";
    String token =
        Jwts.sign(
            Jwts.header("RS256", "key-a").encode(), payload, "RS256", TestKeys.RSA_A.getPrivate());
    assertEquals("malformed token", outcome(token));
  }

  @Test
  void rejectsAlgNone() {
    JsonObject header = new JsonObject().put("alg", "none").put("kid", "key-a");
    String unsigned = Jwts.b64(header.encode()) + "." + Jwts.b64(claims().encode());
    assertEquals("malformed token", outcome(unsigned + "."));
    assertEquals("unsupported algorithm", outcome(unsigned + ".c2ln"));
    header.put("alg", "None");
    assertEquals(
        "unsupported algorithm",
        outcome(Jwts.b64(header.encode()) + "." + Jwts.b64(claims().encode()) + ".c2ln"));
  }

  @Test
  void rejectsHs256SignedWithRsaPublicKey() {
    byte[] der = TestKeys.RSA_A.getPublic().getEncoded();
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(der)
            + "\n-----END PUBLIC KEY-----\n";
    JsonObject header = Jwts.header("HS256", "key-a");
    assertEquals("unsupported algorithm", outcome(Jwts.hmac(header, claims(), der)));
    assertEquals("unsupported algorithm", outcome(Jwts.hmac(header, claims(), pem.getBytes())));
  }

  @Test
  void rejectsAlgorithmNotConfigured() {
    String rs384 = Jwts.sign(Jwts.header("RS384", "key-a"), claims(), TestKeys.RSA_A.getPrivate());
    assertEquals("unsupported algorithm", outcome(rs384));
  }

  @Test
  void rejectsCriticalHeader() {
    JsonObject header = Jwts.header("RS256", "key-a").put("crit", new JsonArray().add("exp"));
    assertEquals(
        "unsupported critical header",
        outcome(Jwts.sign(header, claims(), TestKeys.RSA_A.getPrivate())));
  }

  @ParameterizedTest
  @ValueSource(strings = {"at+jwt", "AT+JWT", "application/at+jwt", "JWT", "jwt"})
  void acceptsAllowedTypValues(String typ) {
    JsonObject header = Jwts.header("RS256", "key-a").put("typ", typ);
    assertEquals("OK", outcome(Jwts.sign(header, claims(), TestKeys.RSA_A.getPrivate())));
  }

  @ParameterizedTest
  @ValueSource(strings = {"id+jwt", "JOSE", "secevent+jwt", "", "at+jwt "})
  void rejectsUnexpectedTyp(String typ) {
    JsonObject header = Jwts.header("RS256", "key-a").put("typ", typ);
    assertEquals(
        "unsupported token type",
        outcome(Jwts.sign(header, claims(), TestKeys.RSA_A.getPrivate())));
    header.put("typ", 42);
    assertEquals(
        "unsupported token type",
        outcome(Jwts.sign(header, claims(), TestKeys.RSA_A.getPrivate())));
  }

  @Test
  void acceptsTokenWithoutTyp() {
    JsonObject header = new JsonObject().put("alg", "RS256").put("kid", "key-a");
    assertEquals("OK", outcome(Jwts.sign(header, claims(), TestKeys.RSA_A.getPrivate())));
  }

  @Test
  void rejectsUnknownKid() {
    assertEquals("unknown key id", outcome(TestTokens.rs256(TestKeys.RSA_A, "key-zzz", claims())));
  }

  @Test
  void rejectsTokenWithoutKidWhenSeveralKeys() {
    assertEquals("token has no key id", outcome(TestTokens.rs256(TestKeys.RSA_A, null, claims())));
  }

  @Test
  void acceptsTokenWithoutKidWhenExactlyOneKey(Vertx vertx) {
    idp.keys(KEY_A);
    validator = TokenValidator.create(vertx, options(), clock);
    assertEquals("OK", outcome(TestTokens.rs256(TestKeys.RSA_A, null, claims())));
  }

  @Test
  void skipsEncryptionKeys() {
    String token = TestTokens.rs256(TestKeys.RSA_ATTACKER, "key-enc", claims());
    assertEquals("unknown key id", outcome(token));
    String noAlg = TestTokens.rs256(TestKeys.RSA_ATTACKER, "key-enc-no-alg", claims());
    assertEquals("unknown key id", outcome(noAlg));
    assertFalse(validator.keySource().keyIds().contains("key-enc"));
    assertFalse(validator.keySource().keyIds().contains("key-enc-no-alg"));
  }

  @Test
  void rejectsAlgDifferentFromKeyAlg() {
    String token = TestTokens.rs256(TestKeys.RSA_B, "key-ps", claims());
    assertEquals("algorithm does not match key", outcome(token));
    String esWithRsaKid =
        Jwts.sign(Jwts.header("ES256", "key-a"), claims(), TestKeys.EC_P256.getPrivate());
    assertEquals("algorithm does not match key", outcome(esWithRsaKid));
  }

  @Test
  void rejectsWrongKey() {
    assertEquals(
        "invalid signature", outcome(TestTokens.rs256(TestKeys.RSA_ATTACKER, "key-a", claims())));
  }

  @Test
  void rejectsTamperedPayload() {
    String[] parts = rs256(claims()).split("\\.");
    String forged = Jwts.b64(claims().put("scope", "admin read:students").encode());
    assertEquals("invalid signature", outcome(parts[0] + "." + forged + "." + parts[2]));
  }

  @Test
  void rejectsDerEncodedEcSignature() {
    String der =
        Jwts.signEs256Der(Jwts.header("ES256", "key-ec"), claims(), TestKeys.EC_P256.getPrivate());
    assertEquals("invalid signature", outcome(der));
  }
}
