package dev.tokenbroker.broker.idp.impl;

import dev.tokenbroker.broker.config.IdpOptions;
import dev.tokenbroker.broker.idp.IdpException;
import dev.tokenbroker.broker.idp.Sanitizer;
import dev.tokenbroker.broker.idp.TokenRequest;
import dev.tokenbroker.broker.idp.TokenResponse;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Checks a token endpoint answer before anything is cached: the body must be a JSON object with a
 * non-empty {@code access_token}, {@code token_type} Bearer (any case) and a sane {@code
 * expires_in}. When the token is a JWT its {@code exp} wins if earlier, and its {@code aud} must
 * contain the requested audience. IdP clock skew seen in {@code Date} (or {@code iat}) beyond the
 * threshold is logged once and corrected for.
 */
final class TokenResponseParser {

  private static final Logger LOG = Logger.getLogger(TokenResponseParser.class.getName());
  static final long MAX_EXPIRES_IN_SECONDS = 366L * 86_400;
  static final int MAX_TOKEN_LENGTH = 16 * 1024;

  private final IdpOptions options;
  private final AtomicBoolean skewWarned = new AtomicBoolean();
  private final AtomicBoolean audienceWarned = new AtomicBoolean();

  TokenResponseParser(IdpOptions options) {
    this.options = options;
  }

  TokenResponse parse(
      int status,
      MultiMap headers,
      Buffer body,
      TokenRequest key,
      long requestedAt,
      long receivedAt) {
    if (status < 200 || status > 299) {
      throw errorResponse(status, headers, body, receivedAt);
    }
    JsonObject json = jsonObject(body);
    if (json == null) {
      throw IdpException.invalid("token response is not a JSON object");
    }
    Object at = json.getValue("access_token");
    if (!(at instanceof String accessToken) || accessToken.isEmpty()) {
      throw IdpException.invalid("token response has no access_token");
    }
    if (accessToken.length() > MAX_TOKEN_LENGTH || !visibleAscii(accessToken)) {
      throw IdpException.invalid(
          "access_token is too long or has characters outside RFC 6750 b64token");
    }
    Object type = json.getValue("token_type");
    if (!(type instanceof String tokenType) || !tokenType.equalsIgnoreCase("Bearer")) {
      throw IdpException.invalid("token_type is not Bearer");
    }
    long expiresIn = expiresIn(json.getValue("expires_in"));
    Object scopeValue = json.getValue("scope");
    String scope = scopeValue instanceof String s && !s.isBlank() ? s : key.scope();
    long expiresAt = requestedAt + expiresIn * 1000;

    JsonObject claims = jwtClaims(accessToken);
    if (claims != null) {
      long skew = skewMillis(headers, claims, receivedAt);
      if (claims.getValue("exp") instanceof Number exp) {
        expiresAt = Math.min(expiresAt, exp.longValue() * 1000 - skew);
      }
      checkAudience(claims.getValue("aud"), key);
    }
    if (expiresAt <= receivedAt) {
      throw IdpException.invalid("the token is already expired on arrival");
    }
    return new TokenResponse(accessToken, "Bearer", scope, requestedAt, expiresAt);
  }

  private IdpException errorResponse(int status, MultiMap headers, Buffer body, long now) {
    JsonObject json = jsonObject(body);
    String error = null;
    String description = null;
    if (json != null) {
      error = json.getValue("error") instanceof String s ? Sanitizer.safeText(s) : null;
      description =
          json.getValue("error_description") instanceof String s ? Sanitizer.safeText(s) : null;
    }
    long retryAfter = retryAfterMillis(headers.get("Retry-After"), now);
    IdpException.Kind kind;
    if (status == 429) {
      kind = IdpException.Kind.RATE_LIMITED;
    } else if (status >= 500 || status == 408) {
      kind = IdpException.Kind.UNAVAILABLE;
    } else {
      kind = IdpException.Kind.REFUSED;
      if (error == null) {
        error = "http_" + status;
      }
    }
    return new IdpException(kind, status, error, description, retryAfter);
  }

  private static long expiresIn(Object v) {
    long n;
    if (v instanceof Number num) {
      n = num.longValue();
    } else if (v instanceof String s && s.matches("\\d{1,12}")) {
      n = Long.parseLong(s);
    } else {
      throw IdpException.invalid("token response has no numeric expires_in");
    }
    if (n <= 0 || n > MAX_EXPIRES_IN_SECONDS) {
      throw IdpException.invalid("expires_in " + n + " is not between 1 s and 366 days");
    }
    return n;
  }

  private long skewMillis(MultiMap headers, JsonObject claims, long receivedAt) {
    long idpNow = -1;
    String date = headers.get("Date");
    if (date != null) {
      try {
        idpNow =
            ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME)
                .toInstant()
                .toEpochMilli();
      } catch (DateTimeParseException ignored) {
        // fall back to iat
      }
    }
    if (idpNow < 0 && claims.getValue("iat") instanceof Number iat) {
      idpNow = iat.longValue() * 1000;
    }
    if (idpNow < 0) {
      return 0;
    }
    long skew = idpNow - receivedAt;
    // Date and iat have one-second resolution; only a real skew beyond the threshold counts.
    if (Math.abs(skew) <= options.clockSkewThresholdSeconds() * 1000) {
      return 0;
    }
    if (skewWarned.compareAndSet(false, true)) {
      LOG.warning(
          "the IdP's clock differs from the local clock by "
              + (skew / 1000)
              + " s; token lifetimes are computed from the IdP's clock");
    }
    return skew;
  }

  private void checkAudience(Object aud, TokenRequest key) {
    if (aud == null) {
      return;
    }
    boolean ok =
        aud instanceof String s
            ? s.equals(key.audience())
            : aud instanceof JsonArray arr && arr.contains(key.audience());
    if (ok) {
      return;
    }
    if (options.audienceCheck() == IdpOptions.AudienceCheck.WARN) {
      if (audienceWarned.compareAndSet(false, true)) {
        LOG.warning("the IdP issued a token whose aud does not contain " + key.audience());
      }
      return;
    }
    throw new IdpException(
        IdpException.Kind.REFUSED,
        200,
        "invalid_audience",
        "the issued token's aud does not contain the requested audience",
        -1);
  }

  static long retryAfterMillis(String value, long now) {
    if (value == null || value.isBlank()) {
      return -1;
    }
    String v = value.trim();
    if (v.matches("\\d{1,9}")) {
      return Long.parseLong(v) * 1000;
    }
    try {
      long at =
          ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return Math.max(0, at - now);
    } catch (DateTimeParseException e) {
      return -1;
    }
  }

  private static JsonObject jsonObject(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      Object v = Buffer.buffer(body.getBytes()).toJsonValue();
      return v instanceof JsonObject o ? o : null;
    } catch (DecodeException | IllegalStateException e) {
      return null;
    }
  }

  static JsonObject jwtClaims(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) {
      return null;
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(token.substring(first + 1, second));
      return new JsonObject(new String(payload, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static boolean visibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }
}
