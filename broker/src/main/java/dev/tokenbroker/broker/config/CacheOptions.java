package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** How tokens are kept: when they are refreshed, how long they are served, how many are held. */
public final class CacheOptions {

  public static final double DEFAULT_REFRESH_RATIO = 0.5;
  public static final double DEFAULT_REFRESH_JITTER = 0.1;
  public static final long DEFAULT_EXPIRY_SAFETY_MARGIN_SECONDS = 5;
  public static final long DEFAULT_IDLE_TIMEOUT_SECONDS = 600;
  public static final int DEFAULT_MAX_KEYS = 1024;
  public static final long DEFAULT_MAX_WAIT_MILLIS = 10_000;
  public static final long DEFAULT_TICK_MILLIS = 250;
  public static final long DEFAULT_INVALIDATE_MIN_INTERVAL_SECONDS = 10;

  private final double refreshRatio;
  private final double refreshJitter;
  private final long expirySafetyMarginSeconds;
  private final long idleTimeoutSeconds;
  private final int maxKeys;
  private final long maxWaitMillis;
  private final long tickMillis;
  private final long invalidateMinIntervalSeconds;

  public CacheOptions(ConfigReader r) {
    r.rejectUnknown(
        Set.of(
            "refreshRatio",
            "refreshJitter",
            "expirySafetyMarginSeconds",
            "idleTimeoutSeconds",
            "maxKeys",
            "maxWaitMillis",
            "tickMillis",
            "invalidateMinIntervalSeconds"));
    this.refreshRatio = r.decimal("refreshRatio", DEFAULT_REFRESH_RATIO, 0.1, 0.9);
    this.refreshJitter = r.decimal("refreshJitter", DEFAULT_REFRESH_JITTER, 0.0, 0.5);
    if (refreshRatio * (1 + refreshJitter) >= 0.95) {
      throw new ConfigException(
          r.path("refreshJitter"), "refreshRatio * (1 + refreshJitter) must stay below 0.95");
    }
    this.expirySafetyMarginSeconds =
        r.integer("expirySafetyMarginSeconds", DEFAULT_EXPIRY_SAFETY_MARGIN_SECONDS, 0, 3600);
    this.idleTimeoutSeconds =
        r.integer("idleTimeoutSeconds", DEFAULT_IDLE_TIMEOUT_SECONDS, 1, 7 * 86_400);
    this.maxKeys = (int) r.integer("maxKeys", DEFAULT_MAX_KEYS, 1, 100_000);
    this.maxWaitMillis = r.integer("maxWaitMillis", DEFAULT_MAX_WAIT_MILLIS, 0, 120_000);
    this.tickMillis = r.integer("tickMillis", DEFAULT_TICK_MILLIS, 10, 60_000);
    this.invalidateMinIntervalSeconds =
        r.integer("invalidateMinIntervalSeconds", DEFAULT_INVALIDATE_MIN_INTERVAL_SECONDS, 0, 3600);
  }

  public double refreshRatio() {
    return refreshRatio;
  }

  public double refreshJitter() {
    return refreshJitter;
  }

  public long expirySafetyMarginSeconds() {
    return expirySafetyMarginSeconds;
  }

  public long idleTimeoutSeconds() {
    return idleTimeoutSeconds;
  }

  public int maxKeys() {
    return maxKeys;
  }

  public long maxWaitMillis() {
    return maxWaitMillis;
  }

  public long tickMillis() {
    return tickMillis;
  }

  public long invalidateMinIntervalSeconds() {
    return invalidateMinIntervalSeconds;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("refreshRatio", refreshRatio)
        .put("refreshJitter", refreshJitter)
        .put("expirySafetyMarginSeconds", expirySafetyMarginSeconds)
        .put("idleTimeoutSeconds", idleTimeoutSeconds)
        .put("maxKeys", maxKeys)
        .put("maxWaitMillis", maxWaitMillis)
        .put("tickMillis", tickMillis)
        .put("invalidateMinIntervalSeconds", invalidateMinIntervalSeconds);
  }
}
