package dev.tokenbroker.students.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;

/**
 * How the identity provider's JSON Web Key Set is fetched and cached (YAML section {@code jwks}).
 * The key set is kept for {@code Cache-Control: max-age} seconds clamped to {@code
 * [minRefreshSeconds, maxCacheSeconds]} (no max-age counts as 0, so the minimum applies); a token
 * naming an unknown {@code kid} triggers an early fetch at most once per {@code
 * refetchCooldownSeconds}.
 */
public class JwksOptions {

  public static final int DEFAULT_MIN_REFRESH_SECONDS = 60;
  public static final int DEFAULT_MAX_CACHE_SECONDS = 3600;
  public static final int DEFAULT_REFETCH_COOLDOWN_SECONDS = 5;
  public static final int DEFAULT_TIMEOUT_MILLIS = 5000;
  public static final int DEFAULT_MAX_BYTES = 64 * 1024;

  private int minRefreshSeconds = DEFAULT_MIN_REFRESH_SECONDS;
  private int maxCacheSeconds = DEFAULT_MAX_CACHE_SECONDS;
  private int refetchCooldownSeconds = DEFAULT_REFETCH_COOLDOWN_SECONDS;
  private int timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
  private int maxBytes = DEFAULT_MAX_BYTES;

  public JwksOptions() {}

  public JwksOptions(JwksOptions other) {
    this.minRefreshSeconds = other.minRefreshSeconds;
    this.maxCacheSeconds = other.maxCacheSeconds;
    this.refetchCooldownSeconds = other.refetchCooldownSeconds;
    this.timeoutMillis = other.timeoutMillis;
    this.maxBytes = other.maxBytes;
  }

  /** Reads the {@code jwks} section; unknown keys and wrong types throw {@link ConfigException}. */
  public JwksOptions(JsonObject json) {
    this(new ConfigReader("jwks", json));
  }

  JwksOptions(ConfigReader r) {
    minRefreshSeconds = r.integer("minRefreshSeconds", DEFAULT_MIN_REFRESH_SECONDS);
    maxCacheSeconds = r.integer("maxCacheSeconds", DEFAULT_MAX_CACHE_SECONDS);
    refetchCooldownSeconds = r.integer("refetchCooldownSeconds", DEFAULT_REFETCH_COOLDOWN_SECONDS);
    timeoutMillis = r.integer("timeoutMillis", DEFAULT_TIMEOUT_MILLIS);
    maxBytes = r.integer("maxBytes", DEFAULT_MAX_BYTES);
    r.rejectUnknownKeys();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("minRefreshSeconds", minRefreshSeconds)
        .put("maxCacheSeconds", maxCacheSeconds)
        .put("refetchCooldownSeconds", refetchCooldownSeconds)
        .put("timeoutMillis", timeoutMillis)
        .put("maxBytes", maxBytes);
  }

  /** Fails naming the first field out of range. */
  public JwksOptions validate() {
    if (minRefreshSeconds < 1) {
      throw new ConfigException("jwks.minRefreshSeconds", "must be at least 1");
    }
    if (maxCacheSeconds < minRefreshSeconds) {
      throw new ConfigException("jwks.maxCacheSeconds", "must be >= jwks.minRefreshSeconds");
    }
    if (refetchCooldownSeconds < 0) {
      throw new ConfigException("jwks.refetchCooldownSeconds", "must not be negative");
    }
    if (timeoutMillis < 1 || timeoutMillis > 60_000) {
      throw new ConfigException("jwks.timeoutMillis", "must be between 1 and 60000");
    }
    if (maxBytes < 1024 || maxBytes > 10 * 1024 * 1024) {
      throw new ConfigException("jwks.maxBytes", "must be between 1024 and 10485760");
    }
    return this;
  }

  public int getMinRefreshSeconds() {
    return minRefreshSeconds;
  }

  public JwksOptions setMinRefreshSeconds(int minRefreshSeconds) {
    this.minRefreshSeconds = minRefreshSeconds;
    return this;
  }

  public int getMaxCacheSeconds() {
    return maxCacheSeconds;
  }

  public JwksOptions setMaxCacheSeconds(int maxCacheSeconds) {
    this.maxCacheSeconds = maxCacheSeconds;
    return this;
  }

  public int getRefetchCooldownSeconds() {
    return refetchCooldownSeconds;
  }

  public JwksOptions setRefetchCooldownSeconds(int refetchCooldownSeconds) {
    this.refetchCooldownSeconds = refetchCooldownSeconds;
    return this;
  }

  public int getTimeoutMillis() {
    return timeoutMillis;
  }

  public JwksOptions setTimeoutMillis(int timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
    return this;
  }

  public int getMaxBytes() {
    return maxBytes;
  }

  public JwksOptions setMaxBytes(int maxBytes) {
    this.maxBytes = maxBytes;
    return this;
  }

  @Override
  public String toString() {
    return toJson().encode();
  }
}
