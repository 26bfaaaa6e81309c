package dev.tokenbroker.students.auth.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of the usable signing keys. {@code generation} changes whenever the key
 * material changes (a refresh returning the same keys keeps it), which tells the verified-token
 * cache when to forget. {@code fingerprint} is the canonical form of the usable keys.
 */
public final class KeySet {

  static final KeySet EMPTY = new KeySet(List.of(), "", 0, Instant.EPOCH);

  private final List<VerificationKey> keys;
  private final Map<String, List<VerificationKey>> byKid = new HashMap<>();
  private final String fingerprint;
  private final long generation;
  private final Instant fetchedAt;

  KeySet(List<VerificationKey> keys, String fingerprint, long generation, Instant fetchedAt) {
    this.keys = List.copyOf(keys);
    this.fingerprint = fingerprint;
    this.generation = generation;
    this.fetchedAt = fetchedAt;
    for (VerificationKey key : keys) {
      if (key.kid() != null) {
        byKid.computeIfAbsent(key.kid(), k -> new ArrayList<>()).add(key);
      }
    }
  }

  /** The same keys under a new generation number. */
  KeySet withGeneration(long newGeneration, Instant when) {
    return new KeySet(keys, fingerprint, newGeneration, when);
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  public int size() {
    return keys.size();
  }

  boolean hasKid(String kid) {
    return byKid.containsKey(kid);
  }

  /**
   * The keys a token may be checked with: those carrying its {@code kid}; for a token without
   * {@code kid}, the only key when there is exactly one, otherwise none.
   */
  List<VerificationKey> candidates(String kid) {
    if (kid == null) {
      return keys.size() == 1 ? keys : List.of();
    }
    return byKid.getOrDefault(kid, List.of());
  }

  public Set<String> kids() {
    return new LinkedHashSet<>(byKid.keySet());
  }

  String fingerprint() {
    return fingerprint;
  }

  public long generation() {
    return generation;
  }

  Instant fetchedAt() {
    return fetchedAt;
  }
}
