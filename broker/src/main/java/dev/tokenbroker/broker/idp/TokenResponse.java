package dev.tokenbroker.broker.idp;

/**
 * A checked token endpoint answer. Times are on the local clock: {@code expiresAtMillis} already
 * accounts for a JWT {@code exp} earlier than {@code expires_in} and for IdP clock skew.
 */
public record TokenResponse(
    String accessToken,
    String tokenType,
    String scope,
    long requestedAtMillis,
    long expiresAtMillis) {

  @Override
  public String toString() {
    return "TokenResponse{scope=" + scope + ", expiresAt=" + expiresAtMillis + "}";
  }
}
