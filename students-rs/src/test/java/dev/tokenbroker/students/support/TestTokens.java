package dev.tokenbroker.students.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;

/** Valid claims and tokens for the issuer and audience the tests configure. */
public final class TestTokens {

  public static final String ISSUER = "https://idp.example/tenant/";
  public static final String AUDIENCE = "https://students-api";
  public static final String SCOPE = "read:students";

  private TestTokens() {}

  /** Claims valid at {@code now} for five minutes, granting {@code read:students}. */
  public static JsonObject claims(long now) {
    return new JsonObject()
        .put("iss", ISSUER)
        .put("aud", new JsonArray().add(AUDIENCE).add("https://other-api"))
        .put("sub", "client-123@clients")
        .put("azp", "client-123")
        .put("iat", now)
        .put("exp", now + 300)
        .put("scope", "openid " + SCOPE);
  }

  public static String rs256(KeyPair key, String kid, JsonObject claims) {
    return Jwts.sign(Jwts.header("RS256", kid), claims, key.getPrivate());
  }
}
