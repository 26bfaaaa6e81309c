package dev.tokenbroker.broker.token;

import dev.tokenbroker.broker.config.CacheOptions;

/**
 * When to refresh a token and until when to serve it: pure functions of the token's times and a
 * random draw, so they can be tested table-style without a clock or a scheduler.
 *
 * <ul>
 *   <li>refresh at {@code obtained + lifetime * ratio * (1 + jitter * u)}, {@code u} uniform in
 *       [-1, 1] (default: half the lifetime ±10 %), never later than the serve-until instant;
 *   <li>serve until {@code expiry - min(margin, lifetime / 10)}: the margin never eats more than a
 *       tenth of a short-lived token.
 * </ul>
 */
public final class RefreshPolicy {

  private final double ratio;
  private final double jitter;
  private final long marginMillis;

  public RefreshPolicy(double ratio, double jitter, long marginMillis) {
    this.ratio = ratio;
    this.jitter = jitter;
    this.marginMillis = marginMillis;
  }

  public static RefreshPolicy from(CacheOptions options) {
    return new RefreshPolicy(
        options.refreshRatio(),
        options.refreshJitter(),
        options.expirySafetyMarginSeconds() * 1000);
  }

  /**
   * The last instant a token obtained at {@code obtained} and expiring at {@code expires} is
   * served.
   */
  public long serveUntil(long obtained, long expires) {
    long lifetime = Math.max(0, expires - obtained);
    return expires - Math.min(marginMillis, lifetime / 10);
  }

  /**
   * When to start the background refresh.
   *
   * @param u a uniform random number in [-1, 1]
   */
  public long refreshAt(long obtained, long expires, double u) {
    long lifetime = Math.max(0, expires - obtained);
    double factor = ratio * (1 + jitter * Math.max(-1, Math.min(1, u)));
    long at = obtained + (long) (lifetime * factor);
    return Math.min(at, serveUntil(obtained, expires));
  }
}
