package dev.tokenbroker.broker.token;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * An access token held by the cache, with its response body pre-serialized. The body is rebuilt at
 * most once per second (when {@code expires_in} changes), so serving a warm token costs a lookup
 * and a write. {@link #toString()} never prints the token.
 */
public final class Token {

  private final TokenKey key;
  private final String accessToken;
  private final String tokenType;
  private final String scope;
  private final long obtainedAtMillis;
  private final long expiresAtMillis;
  private final long serveUntilMillis;
  private volatile Body body;

  private record Body(long second, Buffer bytes) {}

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

  /** The same JSON, serialized; cached for the current second. */
  public Buffer responseBody(long nowMillis) {
    long second = nowMillis / 1000;
    Body b = body;
    if (b == null || b.second != second) {
      b = new Body(second, toResponseJson(nowMillis).toBuffer());
      body = b;
    }
    return b.bytes;
  }

  @Override
  public String toString() {
    return "Token{" + key + ", expiresAt=" + expiresAtMillis + "}";
  }
}
