package dev.tokenbroker.bench.load;

import java.util.Arrays;

/** Latency samples in nanoseconds; not thread-safe (one per event loop or under a lock). */
final class Latencies {

  private long[] samples = new long[1 << 16];
  private int size;

  void add(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  void addAll(Latencies other) {
    for (int i = 0; i < other.size; i++) {
      add(other.samples[i]);
    }
  }

  int size() {
    return size;
  }

  /** The {@code p}-th percentile (0–100) in milliseconds, nearest rank; 0 when empty. */
  double percentileMs(double p) {
    if (size == 0) {
      return 0;
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size) - 1;
    return sorted[Math.max(0, Math.min(size - 1, rank))] / 1e6;
  }
}
