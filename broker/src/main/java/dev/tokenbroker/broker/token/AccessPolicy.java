package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.config.TokenEntryOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a caller's (audience, scope, client) request into a canonical {@link TokenKey}, or refuses
 * it. A request is allowed only when a configured entry has the same audience and includes every
 * requested scope (callers may ask for fewer scopes: least privilege); the key names the entry's
 * client. When entries of several clients match, the caller names the client. Refusals never reach
 * the IdP.
 */
public final class AccessPolicy {

  public static final int MAX_AUDIENCE_LENGTH = 512;
  public static final int MAX_SCOPE_LENGTH = 1024;
  public static final int MAX_SCOPES = 32;

  private final List<TokenEntryOptions> entries;

  public AccessPolicy(List<TokenEntryOptions> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * {@link #resolve(String, String, String)} without a client: any client's entry may match.
   *
   * @throws TokenFailure 400 for malformed input or when entries of several clients match, 403 when
   *     no entry allows the request
   */
  public TokenKey resolve(String audience, String scope) {
    return resolve(audience, scope, null);
  }

  /**
   * @param audience the requested audience (required)
   * @param scope space-separated scopes, or null/blank for the first matching entry's scopes
   * @param client the name of the client whose entries may match, or null/empty for any client's;
   *     without one, a request that entries of two clients could serve is refused (400, naming the
   *     candidate clients) rather than served by a guess
   * @throws TokenFailure 400 for malformed input or an ambiguous request, 403 when no entry (of
   *     {@code client}) allows the request
   */
  public TokenKey resolve(String audience, String scope, String client) {
    if (audience == null || audience.isEmpty()) {
      throw TokenFailure.badRequest("audience is required");
    }
    if (audience.length() > MAX_AUDIENCE_LENGTH) {
      throw TokenFailure.badRequest(
          "audience is longer than " + MAX_AUDIENCE_LENGTH + " characters");
    }
    if (!printable(audience)) {
      throw TokenFailure.badRequest("audience contains control characters");
    }
    List<String> requested = parseScope(scope);
    if (client != null && client.isEmpty()) {
      client = null;
    }
    if (client != null && !TokenEntryOptions.validClientName(client)) {
      throw TokenFailure.badRequest(
          "client is not a client name (1 to 64 letters, digits, '.', '_' or '-')");
    }
    boolean clientKnown = false;
    boolean audienceKnown = false;
    TokenEntryOptions match = null;
    Set<String> candidates = null;
    for (TokenEntryOptions e : entries) {
      if (client != null && !e.client().equals(client)) {
        continue;
      }
      clientKnown = true;
      if (!e.audience().equals(audience)) {
        continue;
      }
      audienceKnown = true;
      if (requested != null && !e.scopes().containsAll(requested)) {
        continue;
      }
      if (match == null) {
        match = e;
      } else if (!match.client().equals(e.client())) {
        if (candidates == null) {
          candidates = new LinkedHashSet<>();
          candidates.add(match.client());
        }
        candidates.add(e.client());
      }
    }
    if (candidates != null) {
      throw TokenFailure.badRequest(
          "entries of more than one client match this audience and scope ("
              + String.join(", ", candidates)
              + "): choose one with client");
    }
    if (match != null) {
      return TokenKey.of(match.client(), audience, requested == null ? match.scopes() : requested);
    }
    if (!clientKnown) {
      throw TokenFailure.denied("client " + client + " is not allowed");
    }
    throw TokenFailure.denied(
        audienceKnown
            ? "a requested scope is not allowed for this audience"
            : client != null
                ? "this audience is not allowed for client " + client
                : "this audience is not allowed");
  }

  /** The keys kept warm from start-up. */
  public List<TokenKey> prefetchKeys() {
    List<TokenKey> keys = new ArrayList<>();
    for (TokenEntryOptions e : entries) {
      if (e.prefetch()) {
        keys.add(TokenKey.of(e.client(), e.audience(), e.scopes()));
      }
    }
    return keys;
  }

  private static List<String> parseScope(String scope) {
    if (scope == null || scope.isBlank()) {
      return null;
    }
    if (scope.length() > MAX_SCOPE_LENGTH) {
      throw TokenFailure.badRequest("scope is longer than " + MAX_SCOPE_LENGTH + " characters");
    }
    Set<String> out = new HashSet<>();
    int i = 0;
    int n = scope.length();
    while (i < n) {
      if (scope.charAt(i) == ' ') {
        i++;
        continue;
      }
      int j = i;
      while (j < n && scope.charAt(j) != ' ') {
        j++;
      }
      String token = scope.substring(i, j);
      if (!TokenEntryOptions.validScopeToken(token)) {
        throw TokenFailure.badRequest("scope contains characters not allowed by RFC 6749 §3.3");
      }
      out.add(token);
      i = j;
    }
    if (out.size() > MAX_SCOPES) {
      throw TokenFailure.badRequest("more than " + MAX_SCOPES + " scopes");
    }
    return new ArrayList<>(out);
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        return false;
      }
    }
    return true;
  }
}
