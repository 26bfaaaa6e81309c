package dev.tokenbroker.broker.idp;

import java.util.List;

/**
 * What one token-endpoint call asks for: the audience and the scopes (already canonical: the token
 * cache passes its key's sorted, de-duplicated list). The idp package knows nothing of the cache;
 * the cache turns its key into this.
 */
public record TokenRequest(String audience, List<String> scopes) {

  public TokenRequest {
    scopes = List.copyOf(scopes);
  }

  /** The scopes joined with single spaces, as sent in the {@code scope} form parameter. */
  public String scope() {
    return String.join(" ", scopes);
  }
}
