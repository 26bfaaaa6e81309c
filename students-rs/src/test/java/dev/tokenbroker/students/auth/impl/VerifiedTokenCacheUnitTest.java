package dev.tokenbroker.students.auth.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void tokenWithTheSameTailIsComparedWholeAndMisses() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    String tail = ".0123456789abcdefghij";
    String a = "header.payloadA" + tail;
    String b = "header.payloadB" + tail;
    assertEquals(VerifiedTokenCache.hash(a, 0), VerifiedTokenCache.hash(b, 0));
    cache.put(a, expiringAt(100), 1);
    assertNull(cache.get(b, 1, 0, 5));
    assertSame(cache.get(a, 1, 0, 5), cache.get(a, 1, 0, 5));
  }

  @Test
  void presentedTextAndTokenOffsetAreTheKey() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    VerifiedToken token = expiringAt(100);
    cache.put("Bearer abc.def.ghi", 7, token, 1);
    assertSame(token, cache.get("Bearer abc.def.ghi", 7, 1, 0, 5));
    assertNull(cache.get("bearer abc.def.ghi", 7, 1, 0, 5));
    assertNull(cache.get("abc.def.ghi", 1, 0, 5));
  }

  @Test
  void fullSetGivesWayToTheEntryThatExpiresFirst() {
    VerifiedTokenCache cache = new VerifiedTokenCache(2); // one set of two slots
    cache.put("a", expiringAt(100), 1);
    cache.put("b", expiringAt(50), 1);
    cache.put("c", expiringAt(200), 1);
    assertNull(cache.get("b", 1, 0, 5));
    assertEquals(100, cache.get("a", 1, 0, 5).expiresAtEpochSecond());
    assertEquals(200, cache.get("c", 1, 0, 5).expiresAtEpochSecond());
  }

  @Test
  void neverHoldsMoreThanMaxEntries() {
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    for (int i = 0; i < 10_000; i++) {
      cache.put("token-" + i, expiringAt(100 + i), 1);
    }
    assertTrue(cache.size() <= 100, "size " + cache.size());
    assertTrue(cache.size() >= 50, "size " + cache.size());
  }

  @Test
  void zeroEntriesTurnsTheCacheOff() {
    VerifiedTokenCache cache = new VerifiedTokenCache(0);
    cache.put("t", expiringAt(100), 1);
    assertNull(cache.get("t", 1, 0, 5));
  }
}
