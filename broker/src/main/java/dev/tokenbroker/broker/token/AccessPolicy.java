package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.config.TokenEntryOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a caller's (audience, scope) request into a canonical {@link TokenKey}, or refuses it. A
 * request is allowed only when a configured entry has the same audience and includes every
 * requested scope (callers may ask for fewer scopes: least privilege). Refusals never reach the
 * IdP.
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
   * @param audience the requested audience (required)
   * @param scope space-separated scopes, or null/blank for the first matching entry's scopes
   * @throws TokenFailure 400 for malformed input, 403 when no entry allows the request
   */
  public TokenKey resolve(String audience, String scope) {
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
    boolean audienceKnown = false;
    for (TokenEntryOptions e : entries) {
      if (!e.audience().equals(audience)) {
        continue;
      }
      audienceKnown = true;
      if (requested == null) {
        return TokenKey.of(audience, e.scopes());
      }
      if (e.scopes().containsAll(requested)) {
        return TokenKey.of(audience, requested);
      }
    }
    throw TokenFailure.denied(
        audienceKnown
            ? "a requested scope is not allowed for this audience"
            : "this audience is not allowed");
  }

  /** The keys kept warm from start-up. */
  public List<TokenKey> prefetchKeys() {
    List<TokenKey> keys = new ArrayList<>();
    for (TokenEntryOptions e : entries) {
      if (e.prefetch()) {
        keys.add(TokenKey.of(e.audience(), e.scopes()));
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
