package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.idp.TokenRequest;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The canonical cache key: an audience and a de-duplicated, sorted scope set. Two requests that
 * mean the same token map to equal keys; two that do not, never do.
 */
public final class TokenKey {

  private final String audience;
  private final List<String> scopes;
  private final String scope;
  private final int hash;

  private TokenKey(String audience, List<String> scopes) {
    this.audience = audience;
    this.scopes = scopes;
    this.scope = String.join(" ", scopes);
    this.hash = 31 * audience.hashCode() + scopes.hashCode();
  }

  public static TokenKey of(String audience, Collection<String> scopes) {
    return new TokenKey(audience, List.copyOf(new TreeSet<>(scopes)));
  }

  public String audience() {
    return audience;
  }

  /** Sorted, de-duplicated scopes. */
  public List<String> scopes() {
    return scopes;
  }

  /** The scopes joined with single spaces, as sent in the {@code scope} form parameter. */
  public String scope() {
    return scope;
  }

  /** What to ask the IdP for to get a token for this key. */
  public TokenRequest request() {
    return new TokenRequest(audience, scopes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenKey k
        && k.hash == hash
        && k.audience.equals(audience)
        && k.scopes.equals(scopes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return audience + " [" + scope + "]";
  }
}
