package dev.tokenbroker.broker.token;

/**
 * Why a caller gets no token, as the API reports it: an HTTP status (also the event-bus failure
 * code), an RFC 6749 style {@code error} and a description that is safe to show the caller.
 */
public final class TokenFailure extends RuntimeException {

  private final int status;
  private final String error;
  private final String idpError;
  private final long retryAfterSeconds;

  public TokenFailure(
      int status, String error, String description, String idpError, long retryAfterSeconds) {
    super(description, null, false, false);
    this.status = status;
    this.error = error;
    this.idpError = idpError;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static TokenFailure badRequest(String description) {
    return new TokenFailure(400, "invalid_request", description, null, 0);
  }

  public static TokenFailure denied(String description) {
    return new TokenFailure(403, "access_denied", description, null, 0);
  }

  public static TokenFailure unavailable(String description, long retryAfterSeconds) {
    return new TokenFailure(
        503, "temporarily_unavailable", description, null, Math.max(1, retryAfterSeconds));
  }

  public static TokenFailure idpRefused(String description, String idpError) {
    return new TokenFailure(502, "idp_error", description, idpError, 0);
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }

  public String description() {
    return getMessage();
  }

  /** The IdP's own {@code error} code, for 502 answers; null otherwise. */
  public String idpError() {
    return idpError;
  }

  /** Seconds a caller should wait before asking again (503 answers); 0 when not applicable. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
