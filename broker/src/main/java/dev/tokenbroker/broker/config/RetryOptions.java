package dev.tokenbroker.broker.config;

import dev.tokenbroker.common.config.ConfigException;
import dev.tokenbroker.common.config.ConfigReader;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** Backoff between failed IdP calls for one key, and the circuit breaker around the IdP. */
public final class RetryOptions {

  public static final long DEFAULT_MIN_BACKOFF_MILLIS = 1_000;
  public static final long DEFAULT_MAX_BACKOFF_MILLIS = 300_000;
  public static final int DEFAULT_BREAKER_FAILURE_THRESHOLD = 3;
  public static final long DEFAULT_BREAKER_RESET_MILLIS = 2_000;
  public static final long DEFAULT_BREAKER_MAX_RESET_MILLIS = 4_000;

  private final long minBackoffMillis;
  private final long maxBackoffMillis;
  private final int breakerFailureThreshold;
  private final long breakerResetMillis;
  private final long breakerMaxResetMillis;

  public RetryOptions(ConfigReader r) {
    r.rejectUnknown(
        Set.of(
            "minBackoffMillis",
            "maxBackoffMillis",
            "breakerFailureThreshold",
            "breakerResetMillis",
            "breakerMaxResetMillis"));
    this.minBackoffMillis =
        r.integer("minBackoffMillis", DEFAULT_MIN_BACKOFF_MILLIS, 10, 3_600_000);
    this.maxBackoffMillis =
        r.integer("maxBackoffMillis", DEFAULT_MAX_BACKOFF_MILLIS, 10, 86_400_000);
    if (minBackoffMillis > maxBackoffMillis) {
      throw new ConfigException(r.path("maxBackoffMillis"), "must be >= retry.minBackoffMillis");
    }
    this.breakerFailureThreshold =
        (int) r.integer("breakerFailureThreshold", DEFAULT_BREAKER_FAILURE_THRESHOLD, 1, 1000);
    this.breakerResetMillis =
        r.integer("breakerResetMillis", DEFAULT_BREAKER_RESET_MILLIS, 100, 3_600_000);
    // Without an explicit maximum, a configured first interval longer than the default maximum
    // keeps the breaker at that interval (the fixed open time of earlier versions).
    this.breakerMaxResetMillis =
        r.integer(
            "breakerMaxResetMillis",
            Math.max(DEFAULT_BREAKER_MAX_RESET_MILLIS, breakerResetMillis),
            100,
            3_600_000);
    if (breakerResetMillis > breakerMaxResetMillis) {
      throw new ConfigException(
          r.path("breakerMaxResetMillis"), "must be >= retry.breakerResetMillis");
    }
  }

  public long minBackoffMillis() {
    return minBackoffMillis;
  }

  public long maxBackoffMillis() {
    return maxBackoffMillis;
  }

  public int breakerFailureThreshold() {
    return breakerFailureThreshold;
  }

  /** How long the breaker stays open the first time; doubled on each failed probe. */
  public long breakerResetMillis() {
    return breakerResetMillis;
  }

  /** The longest the breaker stays open between two probes. */
  public long breakerMaxResetMillis() {
    return breakerMaxResetMillis;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("minBackoffMillis", minBackoffMillis)
        .put("maxBackoffMillis", maxBackoffMillis)
        .put("breakerFailureThreshold", breakerFailureThreshold)
        .put("breakerResetMillis", breakerResetMillis)
        .put("breakerMaxResetMillis", breakerMaxResetMillis);
  }
}
