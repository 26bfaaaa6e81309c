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

  /** C2 needs longer than C1 before a broker with 1,001 keys reaches its steady state. */
  private static final int WARMUP_SECONDS = 6;

  private final BenchContext ctx;
  private final Settings s;

  public FootprintSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.s = ctx.settings();
  }

  /** Times of one start, in ms from the fork. */
  private record Startup(double listening, double ready, double firstToken, double selfReported) {}

  public void run() throws IOException {
    List<JvmFlags> variants = new ArrayList<>();
    for (JvmFlags v : s.variants()) {
      if (v.available()) {
        variants.add(v);
      } else {
        ctx.report()
            .note(
                "footprint: "
                    + v.label()
                    + " skipped, JDK "
                    + v.jdk().label()
                    + " is not installed here ("
                    + v.java()
                    + ")");
      }
    }
    Map<JvmFlags, List<Startup>> startups = new LinkedHashMap<>();
    for (int round = 0; round < s.rounds(); round++) {
      for (JvmFlags v : variants) {
        startups
            .computeIfAbsent(v, k -> new ArrayList<>())
            .add(
                start(
                    v,
                    List.of(new BrokerProcess.Key(BrokerProcess.STUDENTS_API, true)),
                    "startup-" + v.label()));
      }
    }
    startupTable(startups);
    Map<JvmFlags, BrokerProcess> loaded = new LinkedHashMap<>();
    try {
      for (JvmFlags v : variants) {
        loaded.put(v, Brokers.startWithAllKeys(ctx, "footprint-" + v.label(), v));
      }
      loadTable(loaded, startups);
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
          .check(
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

  private void startupTable(Map<JvmFlags, List<Startup>> startups) {
    Table t =
        new Table(
            "5a. Broker start-up — ms from fork of java (IdP already up), median of "
                + s.rounds()
                + " interleaved starts with 1 prefetched key",
            "flags",
            "JDK",
            "heap / compiler",
            "listening",
            "ready",
            "first token",
            "'started in'");
    for (Map.Entry<JvmFlags, List<Startup>> e : startups.entrySet()) {
      JvmFlags v = e.getKey();
      List<Startup> st = e.getValue();
      double ready = Stats.median(st, Startup::ready);
      boolean archived = !v.appCds() || Files.exists(ctx.launcher().archive(v));
      String heap = v.heapSummary() + (archived ? "" : " (archive failed: none)");
      t.row(
          new JsonObject()
              .put("flags", v.label())
              .put("jdk", v.jdk().label())
              .put("args", v.display())
              .put("heap", heap)
              .put("listening_ms", Stats.round(Stats.median(st, Startup::listening)))
              .put("ready_ms", Stats.round(ready))
              .put("first_token_ms", Stats.round(Stats.median(st, Startup::firstToken)))
              .put("self_reported_ms", Stats.round(Stats.median(st, Startup::selfReported)))
              .put("ready_ms_all", st.stream().map(Startup::ready).toList()),
          v.label(),
          v.jdk().label(),
          heap,
          Stats.ms(Stats.median(st, Startup::listening)),
          Stats.ms(ready),
          Stats.ms(Stats.median(st, Startup::firstToken)),
          Stats.ms(Stats.median(st, Startup::selfReported)));
    }
    t.note("'started in' is the broker's own log line (from main(), so without JVM boot).");
    t.note(
        "archives: made once per run and flag set from the broker jar (AppCDS: -XX:ArchiveClassesAtExit; AOT cache: -XX:AOTCacheOutput training run with 300 token GETs).");
    for (JvmFlags v : startups.keySet()) {
      t.note(v.label() + ": " + v.display());
    }
    ctx.report().add(t);
  }

  /**
   * Section 5b, the frontier: every variant under the same rotating load, interleaved; each
   * variant's throughput as the median of its per-round ratios to the C2 reference (JVM defaults)
   * on the same JDK, run in the same round.
   */
  private void loadTable(
      Map<JvmFlags, BrokerProcess> brokers, Map<JvmFlags, List<Startup>> startups)
      throws IOException {
    String one = BrokerProcess.tokenPath(BrokerProcess.STUDENTS_API);
    List<String> rotate = List.of(Integer.toString(s.keys()));
    int warm = Math.max(s.warmupSeconds(), WARMUP_SECONDS);
    for (BrokerProcess b : brokers.values()) {
      ctx.wrk()
          .run(
              b.baseUrl() + one,
              CONNECTIONS,
              warm,
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
            "5b. Footprint frontier — "
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
            "JDK",
            "req/s",
            "× C2 ref",
            "p99 ms",
            "RSS max in load MB",
            "VmHWM MB",
            "ready ms (1 key)",
            "≤ 80 MB & ≥ 0.9×",
            "errors");
    for (Map.Entry<JvmFlags, BrokerProcess> e : brokers.entrySet()) {
      JvmFlags v = e.getKey();
      List<LoadResult> r = runs.get(v);
      JvmFlags ref = reference(v, brokers.keySet());
      double ratio =
          ref == null ? Double.NaN : Stats.medianRatio(r, runs.get(ref), LoadResult::rps);
      double maxRss = r.stream().mapToLong(LoadResult::maxRssKb).max().orElse(-1) / 1024.0;
      long errors = r.stream().mapToLong(LoadResult::errors).sum();
      Memory after = Memory.of(e.getValue().child().pid());
      List<Startup> st = startups.get(v);
      double ready = st == null ? Double.NaN : Stats.median(st, Startup::ready);
      boolean both = maxRss <= 80 && ratio >= 0.9 && errors == 0;
      t.row(
          new JsonObject()
              .put("flags", v.label())
              .put("jdk", v.jdk().label())
              .put("args", v.display())
              .put("rps", Stats.round(Stats.median(r, LoadResult::rps)))
              .put("reference", ref == null ? null : ref.label())
              .put("ratio_to_reference", Stats.round(ratio))
              .put("p50_ms", Stats.round(Stats.median(r, LoadResult::p50Ms)))
              .put("p99_ms", Stats.round(Stats.median(r, LoadResult::p99Ms)))
              .put("rss_max_during_load_mb", Stats.round(maxRss))
              .put("rss_after_mb", Stats.round(after.rssMb()))
              .put("vmhwm_mb", Stats.round(after.peakRssMb()))
              .put("ready_ms", Stats.round(ready))
              .put("meets_footprint_target", both)
              .put("errors", errors)
              .put("runs", TokenApiSuite.runs(r)),
          v.label(),
          v.jdk().label(),
          Stats.rps(Stats.median(r, LoadResult::rps)),
          Stats.ratio(ratio),
          Stats.ms(Stats.median(r, LoadResult::p99Ms)),
          Stats.mb(maxRss),
          Stats.mb(after.peakRssMb()),
          Stats.ms(ready),
          both ? "yes" : "no",
          Long.toString(errors));
      if (v.equals(JvmFlags.RECOMMENDED)) {
        ctx.report()
            .target(
                "RSS under load, " + (s.keys() + 1) + " keys, recommended (" + v.label() + ")",
                "≤ 80 MB at ≥ 0.90 × C2 (" + (ref == null ? "?" : ref.label()) + ")",
                Stats.mb(maxRss) + " MB at " + Stats.ratio3(ratio) + " ×",
                both);
        ctx.report()
            .target(
                "start to ready, 1 key, recommended (" + v.label() + ")",
                "≤ 400 ms",
                Stats.ms(ready) + " ms",
                ready <= 400);
      }
    }
    t.note(
        "× C2 ref: median of per-round ratios to the C2 reference on the same JDK (jvm-default: G1, C1+C2, no flags) in the same round.");
    t.note(
        "RSS max in load: highest VmRSS sampled every 200 ms during the measured runs; VmHWM: peak since start (includes start-up and JIT bursts).");
    t.note("ready ms: section 5a (fork of java to the first /health/ready 200, 1 prefetched key).");
    for (JvmFlags v : brokers.keySet()) {
      t.note(v.label() + ": " + v.display());
    }
    ctx.report().add(t);
  }

  /** The C2 reference for {@code v}: JVM defaults on the same JDK, if it ran. */
  private static JvmFlags reference(JvmFlags v, java.util.Set<JvmFlags> ran) {
    JvmFlags ref = v.jdk() == JvmFlags.Jdk.DEFAULT ? JvmFlags.JVM_DEFAULT : JvmFlags.JVM_DEFAULT_25;
    return ran.contains(ref) ? ref : null;
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
