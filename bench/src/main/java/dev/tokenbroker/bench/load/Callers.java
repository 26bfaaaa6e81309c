package dev.tokenbroker.bench.load;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Many independent callers of one {@link TokenSource}, as the threads or requests of an application
 * would be: a burst (all call at once) or a storm (each calls, pauses, calls again, for a while).
 * Everything runs on one event loop of the given Vert.x.
 */
public final class Callers {

  private final Vertx vertx;

  public Callers(Vertx vertx) {
    this.vertx = vertx;
  }

  /** What the callers saw. */
  public record Outcome(
      long calls,
      long ok,
      int distinctTokens,
      double p50Ms,
      double maxMs,
      Map<String, Long> failures) {

    public long failed() {
      return calls - ok;
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("calls", calls)
          .put("ok", ok)
          .put("distinct_tokens", distinctTokens)
          .put("p50_ms", LoadResult.round(p50Ms))
          .put("max_ms", LoadResult.round(maxMs))
          .put("failures", new JsonObject(Map.copyOf(failures)));
    }
  }

  /** {@code n} callers ask at the same moment; returns when all have an answer. */
  public Outcome burst(TokenSource source, int n, Duration timeout) {
    Recorder rec = new Recorder();
    CountDownLatch done = new CountDownLatch(n);
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(
        v -> {
          for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            source
                .token()
                .onComplete(
                    ar -> {
                      rec.record(t0, ar.succeeded() ? ar.result() : null, ar.cause());
                      done.countDown();
                    });
          }
        });
    await(done, timeout);
    return rec.outcome();
  }

  /**
   * {@code n} callers each loop "get a token, wait {@code thinkMillis}" for {@code duration};
   * returns when the last caller has its last answer.
   */
  public Outcome storm(TokenSource source, int n, Duration duration, long thinkMillis) {
    Recorder rec = new Recorder();
    CountDownLatch done = new CountDownLatch(n);
    long end = System.nanoTime() + duration.toNanos();
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(
        v -> {
          for (int i = 0; i < n; i++) {
            new Runnable() {
              @Override
              public void run() {
                if (System.nanoTime() >= end) {
                  done.countDown();
                  return;
                }
                long t0 = System.nanoTime();
                source
                    .token()
                    .onComplete(
                        ar -> {
                          rec.record(t0, ar.succeeded() ? ar.result() : null, ar.cause());
                          if (thinkMillis > 0) {
                            vertx.setTimer(thinkMillis, t -> run());
                          } else {
                            ctx.runOnContext(x -> run());
                          }
                        });
              }
            }.run();
          }
        });
    await(done, duration.plusSeconds(30));
    return rec.outcome();
  }

  private static void await(CountDownLatch latch, Duration timeout) {
    try {
      if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            latch.getCount() + " callers still waiting after " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Thread-safe tallies. */
  private static final class Recorder {
    final LongAdder calls = new LongAdder();
    final LongAdder ok = new LongAdder();
    final Set<String> tokens = ConcurrentHashMap.newKeySet();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    final Latencies latencies = new Latencies();

    void record(long t0, String token, Throwable failure) {
      long took = System.nanoTime() - t0;
      calls.increment();
      synchronized (latencies) {
        latencies.add(took);
      }
      if (token != null) {
        ok.increment();
        tokens.add(token);
      } else {
        String why = failure == null ? "no token" : String.valueOf(failure.getMessage());
        failures
            .computeIfAbsent(why.length() > 80 ? why.substring(0, 80) : why, k -> new LongAdder())
            .increment();
      }
    }

    Outcome outcome() {
      Map<String, Long> f = new TreeMap<>();
      failures.forEach((k, v) -> f.put(k, v.sum()));
      synchronized (latencies) {
        return new Outcome(
            calls.sum(),
            ok.sum(),
            tokens.size(),
            latencies.percentileMs(50),
            latencies.percentileMs(100),
            f);
      }
    }
  }
}
