package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.config.TokenEntryOptions;
import dev.tokenbroker.broker.idp.TokenRequest;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The canonical cache key: the IdP client, an audience and a de-duplicated, sorted scope set. Two
 * requests that mean the same token map to equal keys; two that do not (another client, audience or
 * scope set), never do.
 */
public final class TokenKey {

  /** The client of keys that name none: the {@code idp} block. */
  public static final String DEFAULT_CLIENT = TokenEntryOptions.DEFAULT_CLIENT;

  private final String client;
  private final String audience;
  private final List<String> scopes;
  private final String scope;
  private final int hash;

  private TokenKey(String client, String audience, List<String> scopes) {
    this.client = client;
    this.audience = audience;
    this.scopes = scopes;
    this.scope = String.join(" ", scopes);
    this.hash = 31 * (31 * client.hashCode() + audience.hashCode()) + scopes.hashCode();
  }

  /** A key of the {@value #DEFAULT_CLIENT} client. */
  public static TokenKey of(String audience, Collection<String> scopes) {
    return of(DEFAULT_CLIENT, audience, scopes);
  }

  /**
   * @param client the name of the IdP client (a key of {@code clients}, or {@value
   *     #DEFAULT_CLIENT})
   */
  public static TokenKey of(String client, String audience, Collection<String> scopes) {
    return new TokenKey(client, audience, List.copyOf(new TreeSet<>(scopes)));
  }

  /** The name of the IdP client that fetches this key's token. */
  public String client() {
    return client;
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

  /** What to ask the IdP for to get a token for this key (the client picks the IdP, not this). */
  public TokenRequest request() {
    return new TokenRequest(audience, scopes);
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || o instanceof TokenKey k
            && k.hash == hash
            && k.audience.equals(audience)
            && k.scopes.equals(scopes)
            && k.client.equals(client);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** {@code audience [scopes]}, followed by {@code (client NAME)} unless the default client. */
  @Override
  public String toString() {
    String s = audience + " [" + scope + "]";
    return DEFAULT_CLIENT.equals(client) ? s : s + " (client " + client + ")";
  }
}
