package dev.tokenbroker.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The header and claims of a compact JWS, decoded <em>without</em> verifying the signature: the
 * tests only read what Keycloak put in a token; verification is the resource server's job.
 */
record Jwt(JsonObject header, JsonObject claims) {

  static Jwt decode(String compact) {
    String[] parts = compact.split("\\.");
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a compact JWS: " + parts.length + " parts");
    }
    return new Jwt(json(parts[0]), json(parts[1]));
  }

  private static JsonObject json(String base64Url) {
    return new JsonObject(
        new String(Base64.getUrlDecoder().decode(base64Url), StandardCharsets.UTF_8));
  }

  String kid() {
    return header.getString("kid");
  }

  String issuer() {
    return claims.getString("iss");
  }

  Instant issuedAt() {
    return Instant.ofEpochSecond(claims.getLong("iat"));
  }

  Instant expiresAt() {
    return Instant.ofEpochSecond(claims.getLong("exp"));
  }

  /** {@code aud} is a string when there is one audience and an array otherwise (RFC 7519 4.1.3). */
  List<String> audiences() {
    Object aud = claims.getValue("aud");
    if (aud instanceof JsonArray array) {
      return array.stream().map(String::valueOf).toList();
    }
    return aud == null ? List.of() : List.of(String.valueOf(aud));
  }

  /** The space-separated {@code scope} claim (RFC 8693 4.2) as a list. */
  List<String> scopes() {
    String scope = claims.getString("scope", "");
    return Arrays.stream(scope.split(" ")).filter(s -> !s.isEmpty()).toList();
  }
}
