package dev.tokenbroker.students.auth;

/**
 * Why a request was not let through, as an HTTP status plus the RFC 6750 {@code error} code and a
 * short description. Descriptions are fixed texts chosen by this code base, never fragments of the
 * token or of a header, and are reduced to the RFC 6750 character set, so they can be placed in a
 * {@code WWW-Authenticate} header and logged safely.
 *
 * <p>Created without a stack trace: rejections are ordinary traffic, not bugs.
 */
public final class AuthFailure extends RuntimeException {

  /** RFC 6750 §3.1 error codes, plus the 503 answer given while no signing key is usable. */
  public static final String INVALID_REQUEST = "invalid_request";

  public static final String INVALID_TOKEN = "invalid_token";
  public static final String INSUFFICIENT_SCOPE = "insufficient_scope";
  public static final String TEMPORARILY_UNAVAILABLE = "temporarily_unavailable";

  /**
   * Why the request was refused, coarser than the description: one value per thing an operator
   * would act on differently. Counted per reason in {@code
   * students_rs_token_validation_failures_total} (see {@code StudentsMetrics}).
   */
  public enum Reason {
    /** No {@code Authorization} header, another scheme, or {@code Bearer} with nothing after it. */
    MISSING_TOKEN,
    /**
     * Not a token of the accepted form: bad header syntax, bad base64url/JSON, too large, a {@code
     * crit} or unexpected {@code typ} header, a missing {@code exp} or a claim of the wrong type.
     */
    MALFORMED,
    /** {@code exp} is past (beyond the leeway). */
    EXPIRED,
    /** {@code nbf} or {@code iat} is in the future (beyond the leeway). */
    NOT_YET_VALID,
    /**
     * The signature does not verify, or the {@code alg} is not allowed ({@code none}, HMAC, not
     * configured) or does not match the key: a forged token or a key mix-up.
     */
    BAD_SIGNATURE,
    /** The {@code kid} names no known key (even after a refetch), or no {@code kid} is given. */
    UNKNOWN_KID,
    /** {@code iss} is not the configured issuer. */
    WRONG_ISSUER,
    /** {@code aud} does not contain the configured audience. */
    WRONG_AUDIENCE,
    /** A valid token without the scope the resource needs. */
    INSUFFICIENT_SCOPE,
    /** No usable signing key is known (503). */
    NO_KEYS
  }

  private final int status;
  private final Reason reason;
  private final String error;
  private final String description;
  private final String scope;

  private AuthFailure(int status, Reason reason, String error, String description, String scope) {
    super(error == null ? "missing token" : error + ": " + description, null, false, false);
    this.status = status;
    this.reason = reason;
    this.error = error;
    this.description = description == null ? null : safe(description);
    this.scope = scope == null ? null : safe(scope);
  }

  /** No credentials at all (or another scheme than Bearer): 401 without an error code. */
  public static AuthFailure missingToken() {
    return new AuthFailure(401, Reason.MISSING_TOKEN, null, "bearer token required", null);
  }

  /**
   * A malformed {@code Authorization} header. RFC 6750 §3.1 suggests 400; this server answers 401
   * with {@code error="invalid_request"} so that clients retry with a fresh token.
   */
  public static AuthFailure invalidRequest(Reason reason, String description) {
    return new AuthFailure(401, reason, INVALID_REQUEST, description, null);
  }

  /** The token is malformed, badly signed, expired or not meant for us: 401. */
  public static AuthFailure invalidToken(Reason reason, String description) {
    return new AuthFailure(401, reason, INVALID_TOKEN, description, null);
  }

  /** A valid token without the scope the resource needs: 403. */
  public static AuthFailure insufficientScope(String requiredScope) {
    return new AuthFailure(
        403,
        Reason.INSUFFICIENT_SCOPE,
        INSUFFICIENT_SCOPE,
        "the token lacks the required scope",
        requiredScope);
  }

  /** No usable signing key is known (the identity provider is unreachable): 503. */
  public static AuthFailure unavailable(String description) {
    return new AuthFailure(503, Reason.NO_KEYS, TEMPORARILY_UNAVAILABLE, description, null);
  }

  public int status() {
    return status;
  }

  /** Why the request was refused, for metrics. */
  public Reason reason() {
    return reason;
  }

  /** The RFC 6750 error code, or {@code null} when the request carried no token. */
  public String error() {
    return error;
  }

  public String description() {
    return description;
  }

  /** The scope needed, for {@code insufficient_scope}; otherwise {@code null}. */
  public String scope() {
    return scope;
  }

  /** Keeps only the characters RFC 6750 allows inside quoted attribute values. */
  static String safe(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), 200));
    for (int i = 0; i < text.length() && out.length() < 200; i++) {
      char c = text.charAt(i);
      boolean allowed = (c >= 0x20 && c <= 0x7E) && c != '"' && c != '\\';
      out.append(allowed ? c : '?');
    }
    return out.toString();
  }
}
