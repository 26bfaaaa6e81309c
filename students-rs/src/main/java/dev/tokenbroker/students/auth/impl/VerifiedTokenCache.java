package dev.tokenbroker.students.auth.impl;

import dev.tokenbroker.students.auth.VerifiedToken;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Tokens whose signature has already been verified, so a repeated token skips the signature check,
 * the base64url and the JSON decoding. Shared by every event loop without a lock: a hit reads and
 * writes nothing shared, so the loops do not contend.
 *
 * <p>Keyed by the text the token was presented in ({@code presented}, e.g. the whole {@code
 * Authorization} header value) and the offset where the token starts in it. The lookup hashes only
 * the last {@link #HASHED_CHARS} characters (the tail of the signature segment, random for every
 * token an issuer signs) and the length, then compares the whole text once with {@link
 * String#equals} (a vectorised intrinsic) on a candidate: never a hash over the whole token, never
 * a decode.
 *
 * <p>Bounded: at most {@code maxEntries} entries, in sets of {@link #WAYS} slots chosen by the
 * hash. When the set of a new token is full, an entry of an older key generation or past its {@code
 * exp} gives way first, else the one that expires first (no recency bookkeeping, which would make
 * every hit a shared write). Tied to the key-set generation: an entry verified with an older
 * generation is never served (a token whose key left the JWKS is verified again, and refused), and
 * an entry past its {@code exp} is dropped when looked up. The caller still checks {@code
 * exp}/{@code nbf}/{@code iat} on every hit.
 */
final class VerifiedTokenCache {

  /** Characters at the end of the token that are hashed. */
  static final int HASHED_CHARS = 16;

  /** Slots per set. */
  static final int WAYS = 8;

  private record Entry(
      String presented, int tokenStart, int hash, long generation, VerifiedToken token) {}

  private final int ways;
  private final int sets;
  private final AtomicReferenceArray<Entry> slots;

  /** The newest key generation seen; entries of older ones are dead. */
  private final AtomicLong generation = new AtomicLong(-1);

  VerifiedTokenCache(int maxEntries) {
    this.ways = Math.max(1, Math.min(WAYS, maxEntries));
    this.sets = Math.max(1, maxEntries / ways);
    this.slots = new AtomicReferenceArray<>(maxEntries == 0 ? 0 : sets * ways);
  }

  /** The remembered token, or null; {@code nowSecond} minus leeway past {@code exp} is a miss. */
  VerifiedToken get(String token, long keyGeneration, long nowSecond, long leeway) {
    return get(token, 0, keyGeneration, nowSecond, leeway);
  }

  /**
   * The token remembered for {@code presented} with the token starting at {@code tokenStart}, or
   * null.
   */
  VerifiedToken get(
      String presented, int tokenStart, long keyGeneration, long nowSecond, long leeway) {
    if (slots.length() == 0 || !adopt(keyGeneration)) {
      return null;
    }
    int hash = hash(presented, tokenStart);
    int base = base(hash);
    for (int i = base; i < base + ways; i++) {
      Entry e = slots.get(i);
      if (e != null
          && e.hash == hash
          && e.tokenStart == tokenStart
          && e.presented.equals(presented)) {
        if (e.generation != keyGeneration || nowSecond - leeway > e.token.expiresAtEpochSecond()) {
          slots.compareAndSet(i, e, null);
          return null;
        }
        return e.token;
      }
    }
    return null;
  }

  /**
   * Remembers a token verified with keys of {@code keyGeneration}; older generations are ignored.
   */
  void put(String token, VerifiedToken verified, long keyGeneration) {
    put(token, 0, verified, keyGeneration);
  }

  /** Remembers the token presented in {@code presented} from {@code tokenStart} on. */
  void put(String presented, int tokenStart, VerifiedToken verified, long keyGeneration) {
    if (slots.length() == 0 || !adopt(keyGeneration)) {
      return;
    }
    int hash = hash(presented, tokenStart);
    int base = base(hash);
    int victim = -1;
    long victimRank = Long.MAX_VALUE;
    for (int i = base; i < base + ways; i++) {
      Entry e = slots.get(i);
      long rank;
      if (e == null || e.generation != keyGeneration) {
        rank = Long.MIN_VALUE;
      } else if (e.hash == hash && e.tokenStart == tokenStart && e.presented.equals(presented)) {
        victim = i; // the same token, verified concurrently: replace it, never a second copy
        break;
      } else {
        rank = e.token.expiresAtEpochSecond();
      }
      if (rank < victimRank || victim < 0) {
        victim = i;
        victimRank = rank;
      }
    }
    // A racing put may land in the same slot; the loser's token is verified again next time.
    slots.set(victim, new Entry(presented, tokenStart, hash, keyGeneration, verified));
  }

  /** Remembered tokens of the newest generation (counting each token once). */
  int size() {
    long current = generation.get();
    Set<String> live = new HashSet<>();
    for (int i = 0; i < slots.length(); i++) {
      Entry e = slots.get(i);
      if (e != null && e.generation == current) {
        live.add(e.tokenStart + ":" + e.presented);
      }
    }
    return live.size();
  }

  /** Moves to a newer generation (older entries die); false for an older one. */
  private boolean adopt(long keyGeneration) {
    long seen = generation.get();
    if (keyGeneration > seen) {
      seen = generation.accumulateAndGet(keyGeneration, Math::max);
    }
    return keyGeneration == seen;
  }

  private int base(int hash) {
    return Integer.remainderUnsigned(hash, sets) * ways;
  }

  /** The last {@link #HASHED_CHARS} characters and the length, mixed (murmur3's finaliser). */
  static int hash(String presented, int tokenStart) {
    int end = presented.length();
    int h = end - tokenStart;
    for (int i = Math.max(tokenStart, end - HASHED_CHARS); i < end; i++) {
      h = 31 * h + presented.charAt(i);
    }
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
