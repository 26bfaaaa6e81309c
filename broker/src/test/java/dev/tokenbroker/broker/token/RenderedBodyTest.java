package dev.tokenbroker.broker.token;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bodies a token renders once: byte for byte what encoding the JSON per request gave, with
 * {@code expires_in} following the clock.
 */
class RenderedBodyTest {

  private static final TokenKey KEY = TokenKey.of("https://students-api", List.of("read:students"));

  private static Token token(MutableClock clock, String accessToken, String type, String scope) {
    long now = clock.millis();
    return new Token(KEY, accessToken, type, scope, now, now + 3_600_500, now + 3_300_000);
  }

  @Test
  void theApiBodyIsTheEncodedJsonAndExpiresInDecreasesWithTheClock() {
    MutableClock clock = MutableClock.atSystemTime();
    Token t = token(clock, "eyJ.a\"b\\c.d", "Bearer", "read:students é\u2028");
    long expiresAt = t.expiresAtMillis();
    for (long step : new long[] {0, 1, 498, 1, 1, 999, 60_000, 3_539_000, 1_000, 10_000}) {
      clock.advanceMillis(step);
      long now = clock.millis();
      Buffer body = t.responseBody(now);
      assertArrayEquals(t.toResponseJson(now).toBuffer().getBytes(), body.getBytes(), "at " + now);
      assertEquals(
          Math.max(0, (expiresAt - now) / 1000), body.toJsonObject().getLong("expires_in"));
    }
    assertEquals(0, t.responseBody(clock.millis()).toJsonObject().getLong("expires_in"));
  }

  @Test
  void theBodyIsReusedWhileExpiresInIsUnchangedAndRenderedAgainWhenItChanges() {
    MutableClock clock = MutableClock.atSystemTime();
    Token t = token(clock, "tok", "Bearer", "read:students");
    Buffer first = t.responseBody(clock.millis());
    assertEquals(3600, first.toJsonObject().getLong("expires_in"));
    clock.advanceMillis(400); // 3600.1 s left: same value
    assertSame(first, t.responseBody(clock.millis()));
    clock.advanceMillis(200); // 3599.9 s left
    Buffer second = t.responseBody(clock.millis());
    assertNotSame(first, second);
    assertEquals(3599, second.toJsonObject().getLong("expires_in"));
  }

  @Test
  void theOAuthBodyIsTheEncodedRfc6749Json() {
    MutableClock clock = MutableClock.atSystemTime();
    for (Token t :
        List.of(
            token(clock, "tok", "bearer", null),
            token(clock, "tok", "DPoP", ""),
            token(clock, "tok\"x", null, "read:students"))) {
      for (int i = 0; i < 3; i++) {
        long now = clock.millis();
        assertArrayEquals(
            t.toOAuthResponseJson(now).toBuffer().getBytes(), t.oauthResponseBody(now).getBytes());
        clock.advanceMillis(1_700);
      }
    }
    Token t = token(clock, "tok", "bearer", null);
    assertEquals(
        "{\"access_token\":\"tok\",\"token_type\":\"Bearer\",\"expires_in\":3600,"
            + "\"scope\":\"read:students\"}",
        t.oauthResponseBody(clock.millis()).toString());
  }
}
