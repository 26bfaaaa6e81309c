package dev.tokenbroker.students.auth;

import static dev.tokenbroker.students.support.TestTokens.AUDIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.support.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Claim rules of {@link TokenValidator}: issuer, audience, lifetime, scopes. */
class ClaimRulesTest extends ValidatorFixture {

  @Test
  void rejectsWrongIssuer() {
    assertEquals(
        "invalid issuer", outcome(rs256(claims().put("iss", "https://idp.example/tenant"))));
    assertEquals(
        "invalid issuer", outcome(rs256(claims().put("iss", "https://evil.example/tenant/"))));
    JsonObject noIss = claims();
    noIss.remove("iss");
    assertEquals("invalid issuer", outcome(rs256(noIss)));
  }

  @Test
  void rejectsMissingOrWrongAudience() {
    JsonObject noAud = claims();
    noAud.remove("aud");
    assertEquals("invalid audience", outcome(rs256(noAud)));
    assertEquals("invalid audience", outcome(rs256(claims().put("aud", "https://other-api"))));
    assertEquals("invalid audience", outcome(rs256(claims().put("aud", new JsonArray().add("x")))));
    assertEquals(
        "invalid audience",
        outcome(rs256(claims().put("aud", new JsonArray().add(new JsonArray().add(AUDIENCE))))));
    assertEquals("OK", outcome(rs256(claims().put("aud", AUDIENCE))));
  }

  @Test
  void rejectsMissingExp() {
    JsonObject noExp = claims();
    noExp.remove("exp");
    assertEquals("token has no expiry", outcome(rs256(noExp)));
    assertEquals("invalid exp claim", outcome(rs256(claims().put("exp", "" + (now + 300)))));
    assertEquals("invalid exp claim", outcome(rs256(claims().putNull("exp"))));
  }

  @Test
  void rejectsExpiredTokenBeyondLeeway() {
    assertEquals("token expired", outcome(rs256(claims().put("exp", now - 6))));
    assertEquals("OK", outcome(rs256(claims().put("exp", now - 4))));
  }

  @Test
  void rejectsNbfInTheFuture() {
    assertEquals("token not yet valid", outcome(rs256(claims().put("nbf", now + 6))));
    assertEquals("OK", outcome(rs256(claims().put("nbf", now + 4))));
  }

  @Test
  void rejectsIatInTheFuture() {
    assertEquals("token issued in the future", outcome(rs256(claims().put("iat", now + 6))));
    assertEquals("OK", outcome(rs256(claims().put("iat", now + 4))));
  }

  @Test
  void readsScopesFromScopeScpAndPermissions() {
    JsonObject c = claims();
    c.remove("scope");
    assertTrue(scopes(c).isEmpty());
    assertEquals(Set.of("a", "b"), scopes(claims().put("scope", " a  b ")));
    assertEquals(
        Set.of("x", "y"),
        scopes(without(claims(), "scope").put("scp", new JsonArray().add("x").add("y"))));
    assertEquals(Set.of("x", "y"), scopes(without(claims(), "scope").put("scp", "x y")));
    assertEquals(
        Set.of("read:students"),
        scopes(
            without(claims(), "scope")
                .put("permissions", new JsonArray().add("read:students").add(7))));
    assertTrue(scopes(claims().put("scope", new JsonArray().add("read:students"))).isEmpty());
  }

  private static JsonObject without(JsonObject c, String claim) {
    c.remove(claim);
    return c;
  }

  private Set<String> scopes(JsonObject claims) {
    return Await.result(validator.validate(rs256(claims))).scopes();
  }
}
