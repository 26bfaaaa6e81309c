package dev.tokenbroker.students.api.impl;

import dev.tokenbroker.students.auth.AuthFailure;
import dev.tokenbroker.students.auth.AuthFailure.Reason;
import dev.tokenbroker.students.auth.TokenValidator;
import dev.tokenbroker.students.auth.VerifiedToken;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Authentication: reads exactly one {@code Authorization: Bearer <token>} header (RFC 6750 §2.1,
 * scheme case-insensitive, one space, {@code b64token} syntax) and validates the token. Tokens in
 * the query or body are not accepted. No header, or another scheme (Basic), is a plain 401
 * challenge; a malformed header (two headers, empty value, {@code Bearer} alone, extra spaces,
 * non-ASCII) is 401 {@code invalid_request}; a refused token is 401 {@code invalid_token}. A
 * validation is timed in {@code students_rs_token_validation_duration_seconds}; a cache hit is only
 * counted ({@code students_rs_token_cache_hits_total}).
 *
 * <p>Hot path: a header value equal to one whose token was accepted before is looked up in the
 * validator's memory first ({@link TokenValidator#remembered}); such a value passed every syntax
 * check when it was accepted, so it is neither scanned nor copied again. Any other value takes the
 * full path: syntax checks (their refusals unchanged), then {@link TokenValidator#validate(String,
 * int)}.
 */
public final class BearerAuthHandler implements Handler<RoutingContext> {

  public static final String TOKEN_KEY = "verifiedToken";

  /** {@code "Bearer "}. */
  private static final int PREFIX_LENGTH = 7;

  private final TokenValidator validator;
  private final StudentsMetrics metrics;

  public BearerAuthHandler(TokenValidator validator, StudentsMetrics metrics) {
    this.validator = validator;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext ctx) {
    List<String> values = ctx.request().headers().getAll(HttpHeaders.AUTHORIZATION);
    long start = System.nanoTime();
    if (values.size() == 1 && hasBearerPrefix(values.get(0))) {
      // A header value identical to one accepted before needs no syntax check: look it up first.
      VerifiedToken hit;
      try {
        hit = validator.remembered(values.get(0), PREFIX_LENGTH);
      } catch (AuthFailure failure) {
        metrics.validationTime(System.nanoTime() - start);
        ctx.fail(failure.status(), failure);
        return;
      }
      if (hit != null) {
        // Counted, not timed: a histogram update is a write to memory every event loop shares,
        // which cost more than the hit itself once there is one event loop per core.
        metrics.cacheHit();
        accept(ctx, hit);
        return;
      }
    }
    try {
      bearerToken(values);
    } catch (AuthFailure failure) {
      ctx.fail(failure.status(), failure);
      return;
    }
    String value = values.get(0);
    validator
        .validate(value, value.indexOf(' ') + 1)
        .andThen(ar -> metrics.validationTime(System.nanoTime() - start))
        .onSuccess(verified -> accept(ctx, verified))
        .onFailure(err -> ctx.fail(err instanceof AuthFailure a ? a.status() : 401, err));
  }

  /** {@code Bearer} (any case) and one space, then at least one character. */
  private static boolean hasBearerPrefix(String value) {
    return value.length() > PREFIX_LENGTH
        && value.charAt(PREFIX_LENGTH - 1) == ' '
        && value.regionMatches(true, 0, "Bearer", 0, PREFIX_LENGTH - 1);
  }

  private static void accept(RoutingContext ctx, VerifiedToken verified) {
    ctx.put(TOKEN_KEY, verified);
    ctx.put(AccessLogHandler.CLIENT_ID_KEY, verified.clientId());
    ctx.next();
  }

  /** The token from the header values, or an {@link AuthFailure}. Package-visible for tests. */
  static String bearerToken(List<String> values) {
    if (values.isEmpty()) {
      throw AuthFailure.missingToken();
    }
    if (values.size() > 1) {
      throw AuthFailure.invalidRequest(Reason.MALFORMED, "more than one Authorization header");
    }
    String value = values.get(0);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7E) {
        throw AuthFailure.invalidRequest(Reason.MALFORMED, "malformed Authorization header");
      }
    }
    if (value.isBlank()) {
      throw AuthFailure.invalidRequest(Reason.MISSING_TOKEN, "empty Authorization header");
    }
    int space = value.indexOf(' ');
    String scheme = space < 0 ? value : value.substring(0, space);
    if (!scheme.equalsIgnoreCase("Bearer")) {
      throw AuthFailure.missingToken();
    }
    String token = space < 0 ? "" : value.substring(space + 1);
    if (token.isEmpty()) {
      throw AuthFailure.invalidRequest(Reason.MISSING_TOKEN, "missing bearer token");
    }
    if (!isB64Token(token)) {
      throw AuthFailure.invalidRequest(Reason.MALFORMED, "malformed Authorization header");
    }
    return token;
  }

  /** RFC 6750 §2.1: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. */
  private static boolean isB64Token(String token) {
    int i = 0;
    int n = token.length();
    while (i < n) {
      char c = token.charAt(i);
      boolean tokenChar =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || "-._~+/".indexOf(c) >= 0;
      if (!tokenChar) {
        break;
      }
      i++;
    }
    if (i == 0) {
      return false;
    }
    while (i < n && token.charAt(i) == '=') {
      i++;
    }
    return i == n;
  }
}
