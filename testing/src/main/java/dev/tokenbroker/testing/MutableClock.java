package dev.tokenbroker.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock tests move by hand instead of sleeping. Safe to read and move from any thread; the zone
 * is always UTC.
 */
public final class MutableClock extends Clock {

  private final AtomicReference<Instant> now;

  public MutableClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  public MutableClock(long startMillis) {
    this(Instant.ofEpochMilli(startMillis));
  }

  /**
   * Now, truncated to the whole second, so that JWT times ({@code iat}, {@code exp}: seconds) and
   * the clock agree exactly.
   */
  public static MutableClock atSystemTime() {
    return new MutableClock(Instant.ofEpochSecond(Instant.now().getEpochSecond()));
  }

  public void advance(Duration by) {
    now.updateAndGet(t -> t.plus(by));
  }

  public void advanceMillis(long delta) {
    advance(Duration.ofMillis(delta));
  }

  public void advanceSeconds(long seconds) {
    advance(Duration.ofSeconds(seconds));
  }

  public long epochSecond() {
    return instant().getEpochSecond();
  }

  @Override
  public long millis() {
    return instant().toEpochMilli();
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
