package dev.tokenbroker.students.auth;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;

/**
 * An access token whose signature, issuer, audience and lifetime have been checked. It carries what
 * the API needs: the caller's client id for logs, the granted scopes and the time limits that are
 * checked again on every use ({@code exp}, {@code nbf}, {@code iat}). Never holds the token text
 * itself.
 */
public final class VerifiedToken {

  private final String clientId;
  private final Set<String> scopes;
  private final long expiresAtEpochSecond;
  private final long notBeforeEpochSecond;
  private final long issuedAtEpochSecond;
  private final JsonObject claims;

  /** Without {@code iat}. */
  public VerifiedToken(
      String clientId,
      Set<String> scopes,
      long expiresAtEpochSecond,
      long notBeforeEpochSecond,
      JsonObject claims) {
    this(clientId, scopes, expiresAtEpochSecond, notBeforeEpochSecond, Long.MIN_VALUE, claims);
  }

  /**
   * @param notBeforeEpochSecond {@code nbf}, {@link Long#MIN_VALUE} when absent
   * @param issuedAtEpochSecond {@code iat}, {@link Long#MIN_VALUE} when absent
   */
  public VerifiedToken(
      String clientId,
      Set<String> scopes,
      long expiresAtEpochSecond,
      long notBeforeEpochSecond,
      long issuedAtEpochSecond,
      JsonObject claims) {
    this.clientId = clientId;
    this.scopes = Set.copyOf(scopes);
    this.expiresAtEpochSecond = expiresAtEpochSecond;
    this.notBeforeEpochSecond = notBeforeEpochSecond;
    this.issuedAtEpochSecond = issuedAtEpochSecond;
    this.claims = claims;
  }

  /** {@code azp}, {@code client_id} or {@code sub}, reduced to log-safe characters. */
  public String clientId() {
    return clientId;
  }

  /** Scopes from {@code scope} (space separated), {@code scp} and {@code permissions}. */
  public Set<String> scopes() {
    return scopes;
  }

  public boolean hasScope(String scope) {
    return scopes.contains(scope);
  }

  /** The {@code exp} claim in seconds since the epoch. */
  public long expiresAtEpochSecond() {
    return expiresAtEpochSecond;
  }

  /** The {@code nbf} claim in seconds since the epoch, {@link Long#MIN_VALUE} when absent. */
  public long notBeforeEpochSecond() {
    return notBeforeEpochSecond;
  }

  /** The {@code iat} claim in seconds since the epoch, {@link Long#MIN_VALUE} when absent. */
  public long issuedAtEpochSecond() {
    return issuedAtEpochSecond;
  }

  public Instant expiresAt() {
    return Instant.ofEpochSecond(
        Math.max(
            Math.min(expiresAtEpochSecond, Instant.MAX.getEpochSecond()),
            Instant.MIN.getEpochSecond()));
  }

  /** A copy of the verified payload. */
  public JsonObject claims() {
    return claims.copy();
  }

  @Override
  public String toString() {
    return "VerifiedToken{clientId="
        + clientId
        + ", scopes="
        + scopes
        + ", exp="
        + expiresAtEpochSecond
        + "}";
  }
}
