package dev.tokenbroker.bench.suites;

import dev.tokenbroker.bench.BenchContext;
import dev.tokenbroker.bench.Settings;
import dev.tokenbroker.bench.load.LoadResult;
import dev.tokenbroker.bench.process.BrokerProcess;
import dev.tokenbroker.bench.process.JvmFlags;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.Memory;
import dev.tokenbroker.bench.process.MockIdp;
import dev.tokenbroker.bench.report.Stats;
import dev.tokenbroker.bench.report.Table;
import dev.tokenbroker.bench.servers.CountingProxy;
import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Section 5: the broker's start-up time and resident memory under each JVM flag set. Start-up is
 * measured from the fork of {@code java} (the IdP already up) to the first {@code /health/ready}
 * 200 and to the first token served; memory is sampled from {@code /proc/PID/status} while wrk
 * loads a broker holding all the benchmark keys.
 */
public final class FootprintSuite {

  private static final int CONNECTIONS = 64;
  private static final long REMOTE_IDP_MILLIS = 100;

  private final BenchContext ctx;
  private final Settings s;

  public FootprintSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.s = ctx.settings();
  }

  /** Times of one start, in ms from the fork. */
  private record Startup(double listening, double ready, double firstToken, double selfReported) {}

  public void run() throws IOException {
    boolean cds = Files.exists(ctx.launcher().cdsArchive());
    Map<JvmFlags, List<Startup>> startups = new LinkedHashMap<>();
    for (int round = 0; round < s.rounds(); round++) {
      for (JvmFlags v : s.variants()) {
        startups
            .computeIfAbsent(v, k -> new ArrayList<>())
            .add(
                start(
                    v,
                    List.of(new BrokerProcess.Key(BrokerProcess.STUDENTS_API, true)),
                    "startup-" + v.label()));
      }
    }
    startupTable(startups, cds);
    Map<JvmFlags, BrokerProcess> loaded = new LinkedHashMap<>();
    try {
      for (JvmFlags v : s.variants()) {
        loaded.put(v, Brokers.startWithAllKeys(ctx, "footprint-" + v.label(), v));
      }
      loadTable(loaded);
    } finally {
      loaded.values().forEach(BrokerProcess::close);
    }
  }

  /**
   * Section 5c: starts with all keys prefetched ({@code https://students-api} and {@code
   * https://api-0…api-(N-1)}), main flags, until ready or {@code limit}: once against the local
   * IdP, once with {@value #REMOTE_IDP_MILLIS} ms added to every IdP call (an IdP a WAN round trip
   * away).
   */
  public void runPrefetch(Duration limit) throws Exception {
    Table t =
        new Table(
            "5c. Broker start-up with "
                + (s.keys() + 1)
                + " prefetched keys (flags "
                + s.flags().label()
                + ", one start each, IdP already up)",
            "IdP",
            "listening ms",
            "ready ms",
            "IdP calls",
            "fetch failures logged",
            "breaker opened");
    CountingProxy remote = new CountingProxy(ctx.idp().port(), REMOTE_IDP_MILLIS);
    String deployment =
        ctx.serviceVertx()
            .deployVerticle(remote)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    try {
      prefetchRow(
          t, "local (~2 ms)", ctx.idp().tokenEndpoint(MockIdp.LONG), null, limit.dividedBy(3));
      prefetchRow(
          t,
          "+" + REMOTE_IDP_MILLIS + " ms per call",
          "http://127.0.0.1:" + remote.port() + "/" + MockIdp.LONG + "/token",
          remote,
          limit.minus(limit.dividedBy(3)));
    } finally {
      ctx.serviceVertx().undeploy(deployment);
    }
    t.note(
        "the local IdP signs ~450 tokens/s; the broker's IdP pool has 8 connections, so the floor is ~2–3 s locally and "
            + (s.keys() + 1) * REMOTE_IDP_MILLIS / 8 / 1000
            + " s at +"
            + REMOTE_IDP_MILLIS
            + " ms if fetches queue for the pool without failing.");
    ctx.report().add(t);
  }

  private void prefetchRow(
      Table t, String idp, String endpoint, CountingProxy proxy, Duration limit)
      throws IOException {
    try (BrokerProcess b =
        BrokerProcess.start(
            ctx.launcher(),
            "prefetch-" + (proxy == null ? "local" : "remote"),
            s.flags(),
            endpoint,
            BrokerProcess.studentsApiAndNumbered(s.keys(), true))) {
      double listening = sinceFork(b.child());
      boolean ready = ctx.launcher().awaitStatus(b.baseUrl() + "/health/ready", 200, limit);
      double readyMs = ready ? sinceFork(b.child()) : Double.NaN;
      String log = b.child().tail(100_000);
      long failures =
          log.lines().filter(x -> x.contains("token fetch for") && x.contains("failed")).count();
      boolean breaker = log.contains("circuit breaker opened");
      long calls = proxy == null ? -1 : proxy.totalCount();
      t.row(
          new JsonObject()
              .put("idp", idp)
              .put("keys", s.keys() + 1)
              .put("listening_ms", Stats.round(listening))
              .put("ready_ms", ready ? Stats.round(readyMs) : null)
              .put("limit_ms", limit.toMillis())
              .put("idp_calls", proxy == null ? null : calls)
              .put("fetch_failures_logged", failures)
              .put("breaker_opened", breaker),
          idp,
          Stats.ms(listening),
          ready ? Stats.ms(readyMs) : "> " + limit.toMillis(),
          proxy == null ? "-" : Long.toString(calls),
          Long.toString(failures),
          breaker ? "yes" : "no");
      ctx.report()
          .target(
              "start to ready, " + (s.keys() + 1) + " prefetched keys, IdP " + idp,
              "≤ 1000 ms (the 1-key target, for reference)",
              ready ? Stats.ms(readyMs) + " ms" : "> " + limit.toMillis() + " ms",
              ready && readyMs <= 1000);
    }
  }

  private BrokerProcess startBroker(JvmFlags flags, List<BrokerProcess.Key> keys, String name)
      throws IOException {
    return BrokerProcess.start(
        ctx.launcher(), name, flags, ctx.idp().tokenEndpoint(MockIdp.LONG), keys);
  }

  private Startup start(JvmFlags flags, List<BrokerProcess.Key> keys, String name)
      throws IOException {
    try (BrokerProcess b = startBroker(flags, keys, name)) {
      return measure(b);
    }
  }

  /** Ready and first-token times of a broker that has just printed its listening line. */
  private Startup measure(BrokerProcess b) {
    ChildProcess child = b.child();
    double listening = sinceFork(child);
    Launcher l = ctx.launcher();
    CompletableFuture<Double> ready =
        CompletableFuture.supplyAsync(
            () -> {
              if (!l.awaitStatus(b.baseUrl() + "/health/ready", 200, Duration.ofSeconds(120))) {
                throw new IllegalStateException(child.name() + " never ready" + child.tail());
              }
              return sinceFork(child);
            });
    CompletableFuture<Double> token =
        CompletableFuture.supplyAsync(
            () -> {
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
              String url = b.baseUrl() + BrokerProcess.tokenPath(BrokerProcess.STUDENTS_API);
              while (System.nanoTime() < deadline) {
                if (l.get(url, BrokerProcess.GUARD_HEADER).status() == 200) {
                  return sinceFork(child);
                }
                sleep(5);
              }
              throw new IllegalStateException(child.name() + " served no token" + child.tail());
            });
    try {
      return new Startup(
          listening,
          ready.get(130, TimeUnit.SECONDS),
          token.get(130, TimeUnit.SECONDS),
          b.selfReportedStartMillis());
    } catch (Exception e) {
      throw new IllegalStateException("start-up measurement of " + child.name() + ": " + e, e);
    }
  }

  private void startupTable(Map<JvmFlags, List<Startup>> startups, boolean cds) {
    Table t =
        new Table(
            "5a. Broker start-up — ms from fork of java (IdP already up), median of "
                + s.rounds()
                + " interleaved starts with 1 prefetched key",
            "flags",
            "heap / compiler",
            "listening",
            "ready",
            "first token",
            "'started in'");
    for (Map.Entry<JvmFlags, List<Startup>> e : startups.entrySet()) {
      JvmFlags v = e.getKey();
      List<Startup> st = e.getValue();
      double ready = Stats.median(st, Startup::ready);
      String heap = v.heapSummary() + (v.appCds() && !cds ? " (archive failed: none)" : "");
      t.row(
          new JsonObject()
              .put("flags", v.label())
              .put("args", v.display())
              .put("heap", heap)
              .put("listening_ms", Stats.round(Stats.median(st, Startup::listening)))
              .put("ready_ms", Stats.round(ready))
              .put("first_token_ms", Stats.round(Stats.median(st, Startup::firstToken)))
              .put("self_reported_ms", Stats.round(Stats.median(st, Startup::selfReported)))
              .put("ready_ms_all", st.stream().map(Startup::ready).toList()),
          v.label(),
          heap,
          Stats.ms(Stats.median(st, Startup::listening)),
          Stats.ms(ready),
          Stats.ms(Stats.median(st, Startup::firstToken)),
          Stats.ms(Stats.median(st, Startup::selfReported)));
      ctx.report()
          .target(
              "start to ready (" + v.label() + ", 1 key)",
              "≤ 1000 ms",
              Stats.ms(ready) + " ms",
              ready <= 1000);
    }
    t.note("'started in' is the broker's own log line (from main(), so without JVM boot).");
    if (cds) {
      t.note(
          "AppCDS archive: made once per run from the broker jar (-XX:ArchiveClassesAtExit during one start).");
    }
    for (JvmFlags v : startups.keySet()) {
      t.note(v.label() + ": " + v.display());
    }
    ctx.report().add(t);
  }

  private void loadTable(Map<JvmFlags, BrokerProcess> brokers) throws IOException {
    String one = BrokerProcess.tokenPath(BrokerProcess.STUDENTS_API);
    List<String> rotate = List.of(Integer.toString(s.keys()));
    for (BrokerProcess b : brokers.values()) {
      ctx.wrk()
          .run(
              b.baseUrl() + one,
              CONNECTIONS,
              s.warmupSeconds(),
              BrokerProcess.GUARD_HEADER,
              "rotate-audiences.lua",
              rotate,
              b.child());
    }
    Map<JvmFlags, List<LoadResult>> runs = new LinkedHashMap<>();
    for (int round = 0; round < s.rounds(); round++) {
      for (Map.Entry<JvmFlags, BrokerProcess> e : brokers.entrySet()) {
        BrokerProcess b = e.getValue();
        runs.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
            .add(
                ctx.wrk()
                    .run(
                        b.baseUrl() + one,
                        CONNECTIONS,
                        s.seconds(),
                        BrokerProcess.GUARD_HEADER,
                        "rotate-audiences.lua",
                        rotate,
                        b.child()));
      }
    }
    Table t =
        new Table(
            "5b. Broker under load per flag set — "
                + (s.keys() + 1)
                + " keys held, GET /v1/token rotating over "
                + s.keys()
                + ", wrk -t1 -c"
                + CONNECTIONS
                + ", median of "
                + s.rounds()
                + " interleaved rounds × "
                + s.seconds()
                + " s; RSS from /proc/PID/status",
            "flags",
            "req/s",
            "p50 ms",
            "p99 ms",
            "RSS max in load MB",
            "RSS after MB",
            "VmHWM MB",
            "errors");
    for (Map.Entry<JvmFlags, BrokerProcess> e : brokers.entrySet()) {
      JvmFlags v = e.getKey();
      List<LoadResult> r = runs.get(v);
      double maxRss = r.stream().mapToLong(LoadResult::maxRssKb).max().orElse(-1) / 1024.0;
      long errors = r.stream().mapToLong(LoadResult::errors).sum();
      Memory after = Memory.of(e.getValue().child().pid());
      t.row(
          new JsonObject()
              .put("flags", v.label())
              .put("args", v.display())
              .put("rps", Stats.round(Stats.median(r, LoadResult::rps)))
              .put("p50_ms", Stats.round(Stats.median(r, LoadResult::p50Ms)))
              .put("p99_ms", Stats.round(Stats.median(r, LoadResult::p99Ms)))
              .put("rss_max_during_load_mb", Stats.round(maxRss))
              .put("rss_after_mb", Stats.round(after.rssMb()))
              .put("vmhwm_mb", Stats.round(after.peakRssMb()))
              .put("errors", errors)
              .put("runs", TokenApiSuite.runs(r)),
          v.label(),
          Stats.rps(Stats.median(r, LoadResult::rps)),
          Stats.ms(Stats.median(r, LoadResult::p50Ms)),
          Stats.ms(Stats.median(r, LoadResult::p99Ms)),
          Stats.mb(maxRss),
          Stats.mb(after.rssMb()),
          Stats.mb(after.peakRssMb()),
          Long.toString(errors));
      ctx.report()
          .target(
              "RSS under load (" + v.label() + ", " + (s.keys() + 1) + " keys)",
              "< 100 MB",
              Stats.mb(maxRss) + " MB max sampled (VmHWM " + Stats.mb(after.peakRssMb()) + ")",
              maxRss < 100);
    }
    t.note(
        "RSS max in load: highest VmRSS sampled every 200 ms during the measured runs; VmHWM: peak since start (includes start-up and JIT bursts).");
    ctx.report().add(t);
  }

  private static double sinceFork(ChildProcess child) {
    return (System.nanoTime() - child.startedNanos()) / 1e6;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
