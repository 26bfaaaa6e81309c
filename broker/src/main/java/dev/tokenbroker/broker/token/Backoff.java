package dev.tokenbroker.broker.token;

/**
 * Bounded exponential backoff with full jitter: after the n-th consecutive failure the next attempt
 * waits a uniform random time in {@code [min, min(max, min * 2^(n-1))]}. The caller resets n on
 * success.
 */
public final class Backoff {

  private final long minMillis;
  private final long maxMillis;

  public Backoff(long minMillis, long maxMillis) {
    if (minMillis > maxMillis) {
      throw new IllegalArgumentException("min > max");
    }
    this.minMillis = minMillis;
    this.maxMillis = maxMillis;
  }

  /**
   * @param failures consecutive failures so far, at least 1
   * @param u a uniform random number in [0, 1)
   */
  public long delay(int failures, double u) {
    int n = Math.max(1, Math.min(failures, 40));
    double cap = Math.min((double) maxMillis, minMillis * Math.pow(2, n - 1));
    return minMillis + (long) ((cap - minMillis) * Math.max(0, Math.min(1, u)));
  }

  public long max() {
    return maxMillis;
  }
}
