package dev.tokenbroker.students.auth.impl;

import dev.tokenbroker.common.log.LogSafe;
import dev.tokenbroker.students.auth.AuthFailure;
import dev.tokenbroker.students.auth.AuthFailure.Reason;
import dev.tokenbroker.students.auth.VerifiedToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashSet;
import java.util.Set;

/** The payload checks of RFC 9068 / RFC 7519 §4.1 and the reading of scopes and client id. */
final class TokenClaims {

  static final long ABSENT = Long.MIN_VALUE;

  private TokenClaims() {}

  /** Checks {@code iss}, {@code aud}, {@code exp}, {@code nbf}, {@code iat}; builds the result. */
  static VerifiedToken check(
      JsonObject payload, String issuer, String audience, long nowSecond, long leeway) {
    if (!issuer.equals(payload.getValue("iss"))) {
      throw AuthFailure.invalidToken(Reason.WRONG_ISSUER, "invalid issuer");
    }
    if (!hasAudience(payload.getValue("aud"), audience)) {
      throw AuthFailure.invalidToken(Reason.WRONG_AUDIENCE, "invalid audience");
    }
    long exp = numericDate(payload, "exp");
    if (exp == ABSENT) {
      throw AuthFailure.invalidToken(Reason.MALFORMED, "token has no expiry");
    }
    long nbf = numericDate(payload, "nbf");
    checkTime(exp, nbf, ABSENT, nowSecond, leeway);
    long iat = numericDate(payload, "iat");
    checkTime(exp, nbf, iat, nowSecond, leeway);
    return new VerifiedToken(clientId(payload), scopes(payload), exp, nbf, iat, payload);
  }

  /** The checks repeated on every use, also for remembered tokens. */
  static void checkTime(long exp, long nbf, long iat, long nowSecond, long leeway) {
    if (nowSecond - leeway > exp) {
      throw AuthFailure.invalidToken(Reason.EXPIRED, "token expired");
    }
    if (nbf != ABSENT && nbf - leeway > nowSecond) {
      throw AuthFailure.invalidToken(Reason.NOT_YET_VALID, "token not yet valid");
    }
    if (iat != ABSENT && iat - leeway > nowSecond) {
      throw AuthFailure.invalidToken(Reason.NOT_YET_VALID, "token issued in the future");
    }
  }

  /** {@link #checkTime(long, long, long, long, long)} for a remembered token. */
  static void checkTime(VerifiedToken token, long nowSecond, long leeway) {
    checkTime(
        token.expiresAtEpochSecond(),
        token.notBeforeEpochSecond(),
        token.issuedAtEpochSecond(),
        nowSecond,
        leeway);
  }

  private static boolean hasAudience(Object aud, String audience) {
    if (aud instanceof String s) {
      return s.equals(audience);
    }
    if (aud instanceof JsonArray array) {
      for (Object entry : array) {
        if (audience.equals(entry)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Seconds since the epoch, saturated to the long range; {@link #ABSENT} when missing. */
  static long numericDate(JsonObject payload, String claim) {
    Object value = payload.getValue(claim);
    if (value == null) {
      if (payload.containsKey(claim)) {
        throw AuthFailure.invalidToken(Reason.MALFORMED, "invalid " + claim + " claim");
      }
      return ABSENT;
    }
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isFinite(d)) {
        return (long) Math.floor(d);
      }
    }
    if (value instanceof BigInteger big) {
      return big.bitLength() < 64
          ? big.longValue()
          : big.signum() > 0 ? Long.MAX_VALUE : ABSENT + 1;
    }
    if (value instanceof BigDecimal dec) {
      return numericDate(new JsonObject().put(claim, dec.toBigInteger()), claim);
    }
    throw AuthFailure.invalidToken(Reason.MALFORMED, "invalid " + claim + " claim");
  }

  /** Union of {@code scope} (space separated), {@code scp} and {@code permissions}. */
  static Set<String> scopes(JsonObject payload) {
    Set<String> scopes = new LinkedHashSet<>();
    addSpaceSeparated(scopes, payload.getValue("scope"));
    Object scp = payload.getValue("scp");
    addSpaceSeparated(scopes, scp);
    addArray(scopes, scp);
    addArray(scopes, payload.getValue("permissions"));
    return scopes;
  }

  private static void addSpaceSeparated(Set<String> scopes, Object value) {
    if (value instanceof String s) {
      for (String scope : s.split(" ")) {
        if (!scope.isEmpty()) {
          scopes.add(scope);
        }
      }
    }
  }

  private static void addArray(Set<String> scopes, Object value) {
    if (value instanceof JsonArray array) {
      for (Object entry : array) {
        if (entry instanceof String s && !s.isEmpty() && s.indexOf(' ') < 0) {
          scopes.add(s);
        }
      }
    }
  }

  private static String clientId(JsonObject payload) {
    for (String claim : new String[] {"azp", "client_id", "sub"}) {
      if (payload.getValue(claim) instanceof String s && !s.isEmpty()) {
        return LogSafe.text(s);
      }
    }
    return "-";
  }
}
