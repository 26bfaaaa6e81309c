package dev.tokenbroker.bench.suites;

import dev.tokenbroker.bench.BenchContext;
import dev.tokenbroker.bench.load.BrokerHttpSource;
import dev.tokenbroker.bench.process.BrokerProcess;
import dev.tokenbroker.bench.process.JvmFlags;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.MockIdp;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starting the broker that holds all the benchmark keys. */
public final class Brokers {

  /** Concurrent requests when the harness fetches the keys itself (the broker's IdP pool size). */
  static final int FETCH_CONCURRENCY = 8;

  private Brokers() {}

  /**
   * Makes the broker's class-data archive for {@code flags} (AppCDS, or the AOT cache on 25): one
   * start of the broker with exactly those flags and one key, through readiness and a few hundred
   * token requests (the AOT cache also records method profiles, JEP 515), then SIGTERM.
   */
  public static boolean createArchive(BenchContext ctx, JvmFlags flags) {
    Launcher l = ctx.launcher();
    return l.createArchive(
        flags,
        extra -> {
          BrokerProcess b =
              BrokerProcess.start(
                  l,
                  "archive-" + flags.label(),
                  flags,
                  extra,
                  ctx.idp().tokenEndpoint(MockIdp.LONG),
                  List.of(new BrokerProcess.Key(BrokerProcess.STUDENTS_API, true)));
          try {
            b.awaitReady(Duration.ofSeconds(60));
            for (int i = 0; i < 300; i++) {
              l.get(
                  b.baseUrl() + BrokerProcess.tokenPath(BrokerProcess.STUDENTS_API),
                  BrokerProcess.GUARD_HEADER);
            }
            l.get(b.baseUrl() + "/health/ready", Map.of());
            return b.child();
          } catch (RuntimeException e) {
            b.close();
            throw e;
          }
        });
  }

  /**
   * A ready broker holding {@code https://students-api} and {@code https://api-0…api-(N-1)}, all
   * prefetched; with {@code BENCH_PREFETCH_KEYS=false} only students-api is prefetched and the
   * harness asks for the others {@value #FETCH_CONCURRENCY} at a time (for brokers that start all
   * prefetches at once, which took minutes before background fetches were capped).
   */
  static BrokerProcess startWithAllKeys(BenchContext ctx, String name, JvmFlags flags)
      throws IOException {
    int keys = ctx.settings().keys();
    boolean prefetch = ctx.settings().prefetchKeys();
    BrokerProcess b =
        BrokerProcess.start(
            ctx.launcher(),
            name,
            flags,
            ctx.idp().tokenEndpoint(MockIdp.LONG),
            BrokerProcess.studentsApiAndNumbered(keys, prefetch));
    try {
      b.awaitReady(Duration.ofSeconds(prefetch ? 180 : 60));
      if (!prefetch) {
        try (BrokerHttpSource source =
            new BrokerHttpSource(ctx.clientVertx(), b.httpPort(), FETCH_CONCURRENCY)) {
          source
              .fetchAll(BrokerProcess.numberedPaths(keys))
              .toCompletionStage()
              .toCompletableFuture()
              .get(120, TimeUnit.SECONDS);
        }
      }
      return b;
    } catch (Exception e) {
      b.close();
      throw new IllegalStateException(
          name + " could not fetch its keys: " + e + b.child().tail(), e);
    }
  }
}
