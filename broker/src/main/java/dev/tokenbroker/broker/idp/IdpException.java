package dev.tokenbroker.broker.idp;

import java.util.Locale;

/**
 * A failed token request, typed by what the broker should do about it. Carries the IdP's HTTP
 * status and its RFC 6749 §5.2 {@code error} / {@code error_description} when it gave them, and how
 * long the IdP asked us to wait ({@code Retry-After}).
 */
public final class IdpException extends RuntimeException {

  /** What kind of failure this is. */
  public enum Kind {
    /** The IdP said no (4xx with an OAuth error): retrying soon will not help. */
    REFUSED,
    /** 429: wait at least Retry-After. */
    RATE_LIMITED,
    /** 5xx, 408, timeout, connection failure, discovery failure. */
    UNAVAILABLE,
    /** A 2xx answer that is not a usable token response. */
    INVALID_RESPONSE,
    /** The circuit breaker is open: the IdP was not called. */
    CIRCUIT_OPEN
  }

  private final Kind kind;
  private final int httpStatus;
  private final String error;
  private final String errorDescription;
  private final long retryAfterMillis;
  private final boolean paced;

  public IdpException(
      Kind kind, int httpStatus, String error, String errorDescription, long retryAfterMillis) {
    this(kind, httpStatus, error, errorDescription, retryAfterMillis, false);
  }

  private IdpException(
      Kind kind,
      int httpStatus,
      String error,
      String errorDescription,
      long retryAfterMillis,
      boolean paced) {
    super(describe(kind, httpStatus, error, errorDescription), null, false, false);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.error = error;
    this.errorDescription = errorDescription;
    this.retryAfterMillis = retryAfterMillis;
    this.paced = paced;
  }

  /**
   * This failure with {@link #retryAfterMillis()} set by the circuit breaker: the IdP will next be
   * called (probed) in {@code millis}. A paced failure is retried then, instead of after the key's
   * own backoff: while the IdP is known to be down the breaker, not each key, paces the calls.
   */
  public IdpException pacedBy(long millis) {
    return new IdpException(kind, httpStatus, error, errorDescription, Math.max(0, millis), true);
  }

  /** True when the circuit breaker set {@link #retryAfterMillis()} (see {@link #pacedBy}). */
  public boolean paced() {
    return paced;
  }

  public static IdpException unavailable(String description) {
    return new IdpException(Kind.UNAVAILABLE, 0, null, description, -1);
  }

  public static IdpException invalid(String description) {
    return new IdpException(Kind.INVALID_RESPONSE, 200, null, description, -1);
  }

  /** Wraps any failure of an IdP call; an {@code IdpException} is returned as is. */
  public static IdpException wrap(Throwable t) {
    if (t instanceof IdpException e) {
      return e;
    }
    String name = t.getClass().getSimpleName();
    String msg = t.getMessage() == null ? name : name + ": " + t.getMessage();
    return unavailable(Sanitizer.safeText(msg));
  }

  private static String describe(Kind kind, int status, String error, String description) {
    StringBuilder sb = new StringBuilder("IdP ").append(kind.name().toLowerCase(Locale.ROOT));
    if (status > 0) {
      sb.append(" (HTTP ").append(status).append(')');
    }
    if (error != null) {
      sb.append(": ").append(error);
    }
    if (description != null) {
      sb.append(error != null ? " - " : ": ").append(description);
    }
    return sb.toString();
  }

  public Kind kind() {
    return kind;
  }

  /** Worth retrying with backoff (everything but an explicit refusal). */
  public boolean retryable() {
    return kind != Kind.REFUSED;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The IdP's {@code error}, or null. */
  public String error() {
    return error;
  }

  public String errorDescription() {
    return errorDescription;
  }

  /** Milliseconds the IdP asked us to wait, or -1. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
