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
 * non-ASCII) is 401 {@code invalid_request}; a refused token is 401 {@code invalid_token}. The
 * validation is timed in {@code students_rs_token_validation_duration_seconds}.
 */
public final class BearerAuthHandler implements Handler<RoutingContext> {

  public static final String TOKEN_KEY = "verifiedToken";

  private final TokenValidator validator;
  private final StudentsMetrics metrics;

  public BearerAuthHandler(TokenValidator validator, StudentsMetrics metrics) {
    this.validator = validator;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String token;
    try {
      token = bearerToken(ctx.request().headers().getAll(HttpHeaders.AUTHORIZATION));
    } catch (AuthFailure failure) {
      ctx.fail(failure.status(), failure);
      return;
    }
    metrics
        .timeValidation(() -> validator.validate(token))
        .onSuccess(verified -> accept(ctx, verified))
        .onFailure(err -> ctx.fail(err instanceof AuthFailure a ? a.status() : 401, err));
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
