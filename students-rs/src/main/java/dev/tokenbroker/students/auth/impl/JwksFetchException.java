package dev.tokenbroker.students.auth.impl;

/** A JWKS or discovery fetch that failed; the message is safe to log (no response body). */
public final class JwksFetchException extends RuntimeException {

  public JwksFetchException(String message) {
    super(message, null, false, false);
  }
}
