package dev.tokenbroker.students.auth.impl;

import dev.tokenbroker.students.auth.VerifiedToken;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokens whose signature has already been verified, keyed by the whole token string, so a repeated
 * token skips the signature check. Bounded (least recently used entries go first), tied to one
 * key-set generation (a new generation empties it, so a token signed by a retired key is verified
 * again and refused), and an entry past its {@code exp} is dropped when looked up. The caller still
 * checks {@code exp}/{@code nbf} on every hit.
 *
 * <p>Guarded by its monitor: an access-ordered {@link LinkedHashMap} changes on every read.
 */
final class VerifiedTokenCache {

  private final int maxEntries;
  private final LinkedHashMap<String, VerifiedToken> entries;
  private long generation = -1;

  VerifiedTokenCache(int maxEntries) {
    this.maxEntries = maxEntries;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, VerifiedToken> eldest) {
            return size() > VerifiedTokenCache.this.maxEntries;
          }
        };
  }

  /** The remembered token, or null; {@code nowSecond} minus leeway past {@code exp} is a miss. */
  synchronized VerifiedToken get(String token, long keyGeneration, long nowSecond, long leeway) {
    if (maxEntries == 0 || !adopt(keyGeneration)) {
      return null;
    }
    VerifiedToken hit = entries.get(token);
    if (hit != null && nowSecond - leeway > hit.expiresAtEpochSecond()) {
      entries.remove(token);
      return null;
    }
    return hit;
  }

  /**
   * Remembers a token verified with keys of {@code keyGeneration}; older generations are ignored.
   */
  synchronized void put(String token, VerifiedToken verified, long keyGeneration) {
    if (maxEntries > 0 && adopt(keyGeneration)) {
      entries.put(token, verified);
    }
  }

  synchronized int size() {
    return entries.size();
  }

  /** Moves to a newer generation (forgetting everything); false for an older one. */
  private boolean adopt(long keyGeneration) {
    if (keyGeneration > generation) {
      entries.clear();
      generation = keyGeneration;
    }
    return keyGeneration == generation;
  }
}
