package dev.tokenbroker.broker.token;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * An access token held by the cache, with its response bodies pre-serialized when it is made (at
 * each refresh, or when a token is installed from elsewhere): only {@code expires_in} is written
 * in, when it changes, so serving a warm token costs a lookup and a write. {@link #toString()}
 * never prints the token.
 */
public final class Token {

  private final TokenKey key;
  private final String accessToken;
  private final String tokenType;
  private final String scope;
  private final long obtainedAtMillis;
  private final long expiresAtMillis;
  private final long serveUntilMillis;
  private final RenderedBody body;
  private volatile RenderedBody oauthBody;

  public Token(
      TokenKey key,
      String accessToken,
      String tokenType,
      String scope,
      long obtainedAtMillis,
      long expiresAtMillis,
      long serveUntilMillis) {
    this.key = key;
    this.accessToken = accessToken;
    this.tokenType = tokenType;
    this.scope = scope;
    this.obtainedAtMillis = obtainedAtMillis;
    this.expiresAtMillis = expiresAtMillis;
    this.serveUntilMillis = serveUntilMillis;
    this.body = new RenderedBody(toResponseJson(obtainedAtMillis), expiresAtMillis);
  }

  public TokenKey key() {
    return key;
  }

  public String accessToken() {
    return accessToken;
  }

  public String tokenType() {
    return tokenType;
  }

  /** The granted scope as the IdP reported it (or the requested one when it did not say). */
  public String scope() {
    return scope;
  }

  public long obtainedAtMillis() {
    return obtainedAtMillis;
  }

  /** Expiry on the local clock. */
  public long expiresAtMillis() {
    return expiresAtMillis;
  }

  /** The last instant this token is handed out: expiry minus the safety margin. */
  public long serveUntilMillis() {
    return serveUntilMillis;
  }

  public boolean servableAt(long nowMillis) {
    return nowMillis < serveUntilMillis;
  }

  /** The API's token response as JSON. */
  public JsonObject toResponseJson(long nowMillis) {
    return new JsonObject()
        .put("access_token", accessToken)
        .put("token_type", tokenType)
        .put("expires_in", Math.max(0, (expiresAtMillis - nowMillis) / 1000))
        .put("expires_at", expiresAtMillis / 1000)
        .put("scope", scope);
  }

  /**
   * The same JSON, serialized: encoded once when the token is made, with {@code expires_in} written
   * in when it changes (see {@link RenderedBody}). Do not modify the buffer.
   */
  public Buffer responseBody(long nowMillis) {
    return body.at(nowMillis);
  }

  /**
   * The RFC 6749 §5.1 answer of the drop-in {@code POST /oauth/token}: {@code access_token}, {@code
   * token_type} ({@code Bearer} unless the IdP named another type), {@code expires_in} and {@code
   * scope} (the requested one when the IdP did not say).
   */
  public JsonObject toOAuthResponseJson(long nowMillis) {
    String s = scope == null || scope.isEmpty() ? key.scope() : scope;
    return new JsonObject()
        .put("access_token", accessToken)
        .put(
            "token_type",
            tokenType == null || "bearer".equalsIgnoreCase(tokenType) ? "Bearer" : tokenType)
        .put("expires_in", Math.max(0, (expiresAtMillis - nowMillis) / 1000))
        .put("scope", s);
  }

  /** {@link #toOAuthResponseJson}, serialized like {@link #responseBody}; rendered on first use. */
  public Buffer oauthResponseBody(long nowMillis) {
    RenderedBody b = oauthBody;
    if (b == null) {
      b = new RenderedBody(toOAuthResponseJson(obtainedAtMillis), expiresAtMillis);
      oauthBody = b;
    }
    return b.at(nowMillis);
  }

  @Override
  public String toString() {
    return "Token{" + key + ", expiresAt=" + expiresAtMillis + "}";
  }
}
