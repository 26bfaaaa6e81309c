package dev.tokenbroker.students.api.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The shared bucket: exact under concurrency (it serves every event loop), refilled by time. */
class RateLimitHandlerTest {

  private final MutableClock clock = MutableClock.atSystemTime();

  @Test
  void admitsExactlyTheBurstWhenManyThreadsTakeAtOnce() throws Exception {
    RateLimitHandler limit = new RateLimitHandler(100, clock);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Integer>> admitted = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        admitted.add(
            pool.submit(
                () -> {
                  go.await();
                  int n = 0;
                  for (int i = 0; i < 5_000; i++) {
                    n += limit.take() ? 1 : 0;
                  }
                  return n;
                }));
      }
      go.countDown();
      int total = 0;
      for (Future<Integer> f : admitted) {
        total += f.get();
      }
      assertEquals(100, total);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void refillsAtTheConfiguredRate() {
    RateLimitHandler limit = new RateLimitHandler(2, clock);
    assertTrue(limit.take());
    assertTrue(limit.take());
    assertFalse(limit.take());
    clock.advance(Duration.ofMillis(500));
    assertTrue(limit.take());
    assertFalse(limit.take());
    clock.advance(Duration.ofSeconds(10));
    assertTrue(limit.take());
    assertTrue(limit.take());
    assertFalse(limit.take());
  }
}
