package dev.tokenbroker.students.auth.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tokenbroker.students.auth.VerifiedToken;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cache on its own: entries never outlive {@code exp} and belong to one key generation. */
class VerifiedTokenCacheUnitTest {

  private static VerifiedToken expiringAt(long exp) {
    return new VerifiedToken("c", Set.of(), exp, TokenClaims.ABSENT, new JsonObject());
  }

  @Test
  void entryIsDroppedOncePastExpiryPlusLeeway() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    VerifiedToken token = expiringAt(100);
    cache.put("t", token, 1);
    assertSame(token, cache.get("t", 1, 105, 5));
    assertNull(cache.get("t", 1, 106, 5));
    assertEquals(0, cache.size());
  }

  @Test
  void newerKeyGenerationEmptiesTheCacheAndOlderOnesAreIgnored() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    cache.put("t", expiringAt(100), 1);
    assertNull(cache.get("t", 2, 0, 5));
    cache.put("late", expiringAt(100), 1);
    assertEquals(0, cache.size());
  }

  @Test
  void zeroEntriesTurnsTheCacheOff() {
    VerifiedTokenCache cache = new VerifiedTokenCache(0);
    cache.put("t", expiringAt(100), 1);
    assertNull(cache.get("t", 1, 0, 5));
  }
}
