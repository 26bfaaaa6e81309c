package dev.tokenbroker.bench.suites;

import dev.tokenbroker.bench.BenchContext;
import dev.tokenbroker.bench.Settings;
import dev.tokenbroker.bench.load.EventBusLoad;
import dev.tokenbroker.bench.load.LoadResult;
import dev.tokenbroker.bench.process.BrokerProcess;
import dev.tokenbroker.bench.process.JvmFlags;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.Memory;
import dev.tokenbroker.bench.process.ServerProcess;
import dev.tokenbroker.bench.report.Stats;
import dev.tokenbroker.bench.report.Table;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sections 1 and 2: the broker's {@code GET /v1/token} and its event-bus request/reply through the
 * TCP bridge, each against {@link dev.tokenbroker.bench.servers.BaselineServer} answering the same
 * bytes, same JVM flags, runs interleaved (baseline, broker, baseline, broker…) over several
 * rounds. One broker holds {@code https://students-api} and {@code https://api-0…api-(N-1)}, all
 * prefetched.
 */
public final class TokenApiSuite {

  private final BenchContext ctx;
  private final Settings s;

  public TokenApiSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.s = ctx.settings();
  }

  /** A measured case: how many keys, how many connections. */
  private record Case(String keys, int connections, String script, List<String> scriptArgs) {}

  /**
   * Section 1 for each flag set of {@code BENCH_FLAGS} (the first — the recommended set — at every
   * connection count, the others at 64 only), section 2 with the first set.
   */
  public void run(boolean tokenGet, boolean eventBus) throws IOException {
    boolean first = true;
    for (JvmFlags flags : s.flagSets()) {
      if (!flags.available()) {
        ctx.report()
            .note(
                "section 1 with "
                    + flags.label()
                    + " skipped: JDK "
                    + flags.jdk().label()
                    + " not installed");
        continue;
      }
      run(flags, tokenGet, eventBus && first, first ? s.connections() : List.of(64));
      first = false;
    }
  }

  private void run(JvmFlags flags, boolean tokenGet, boolean eventBus, List<Integer> connections)
      throws IOException {
    Launcher l = ctx.launcher();
    try (BrokerProcess broker =
        Brokers.startWithAllKeys(ctx, "broker-main-" + flags.label(), flags)) {
      Launcher.Response sample =
          l.get(
              broker.baseUrl() + BrokerProcess.tokenPath(BrokerProcess.STUDENTS_API),
              BrokerProcess.GUARD_HEADER);
      if (sample.status() != 200) {
        throw new IllegalStateException(
            "broker answered " + sample.status() + ": " + sample.body());
      }
      Path body = l.workDir().resolve("token-response.json");
      Files.writeString(body, sample.body());
      int baselineBridge = Launcher.freePort();
      try (ServerProcess baseline =
          ServerProcess.baseline(l, "baseline-" + flags.label(), flags, body, baselineBridge)) {
        List<LoadResult> brokerRuns = new ArrayList<>();
        Memory afterTokenGet = null;
        if (tokenGet) {
          brokerRuns.addAll(tokenGet(flags, connections, broker, baseline, sample.body().length()));
          afterTokenGet = Memory.of(broker.child().pid());
        }
        if (eventBus) {
          eventBus(broker, baselineBridge);
        }
        Memory after = Memory.of(broker.child().pid());
        double peakDuringLoad =
            brokerRuns.stream().mapToLong(LoadResult::maxRssKb).max().orElse(-1) / 1024.0;
        double afterGet = afterTokenGet == null ? -1 : afterTokenGet.rssMb();
        ctx.report()
            .add(
                new Table(
                        "Broker memory in sections 1–2 ("
                            + (s.keys() + 1)
                            + " keys held, flags "
                            + flags.label()
                            + ")",
                        "process",
                        "RSS max during token GET MB",
                        "RSS after token GET MB",
                        "RSS after event bus MB",
                        "VmHWM MB")
                    .row(
                        new JsonObject()
                            .put("flags", flags.label())
                            .put("args", flags.display())
                            .put("rss_max_during_token_get_mb", Stats.round(peakDuringLoad))
                            .put("rss_after_token_get_mb", Stats.round(afterGet))
                            .put("rss_after_event_bus_mb", Stats.round(after.rssMb()))
                            .put("vmhwm_mb", Stats.round(after.peakRssMb())),
                        "broker",
                        Stats.mb(peakDuringLoad),
                        Stats.mb(afterGet),
                        Stats.mb(after.rssMb()),
                        Stats.mb(after.peakRssMb()))
                    .note("flags: " + flags.display()));
      }
    }
  }

  private List<LoadResult> tokenGet(
      JvmFlags flags,
      List<Integer> connections,
      BrokerProcess broker,
      ServerProcess baseline,
      int bodyBytes)
      throws IOException {
    String oneKey = BrokerProcess.tokenPath(BrokerProcess.STUDENTS_API);
    List<Case> cases = new ArrayList<>();
    for (int c : connections) {
      cases.add(new Case("1", c, null, List.of()));
    }
    for (int c : connections) {
      cases.add(
          new Case(
              s.keys() + " rotating",
              c,
              "rotate-audiences.lua",
              List.of(Integer.toString(s.keys()))));
    }
    Map<String, String> guard = BrokerProcess.GUARD_HEADER;
    // Warm both JITs on both request shapes before anything is measured.
    for (String url : List.of(baseline.baseUrl(), broker.baseUrl())) {
      ctx.wrk().run(url + oneKey, 64, s.warmupSeconds(), guard, null, List.of(), null);
      ctx.wrk()
          .run(
              url + oneKey,
              64,
              s.warmupSeconds(),
              guard,
              "rotate-audiences.lua",
              List.of(Integer.toString(s.keys())),
              null);
    }
    Map<Case, List<LoadResult>> base = new LinkedHashMap<>();
    Map<Case, List<LoadResult>> cand = new LinkedHashMap<>();
    List<LoadResult> brokerRuns = new ArrayList<>();
    for (int round = 0; round < s.rounds(); round++) {
      for (Case c : cases) {
        LoadResult b =
            ctx.wrk()
                .run(
                    baseline.baseUrl() + oneKey,
                    c.connections(),
                    s.seconds(),
                    guard,
                    c.script(),
                    c.scriptArgs(),
                    null);
        LoadResult k =
            ctx.wrk()
                .run(
                    broker.baseUrl() + oneKey,
                    c.connections(),
                    s.seconds(),
                    guard,
                    c.script(),
                    c.scriptArgs(),
                    broker.child());
        base.computeIfAbsent(c, x -> new ArrayList<>()).add(b);
        cand.computeIfAbsent(c, x -> new ArrayList<>()).add(k);
        brokerRuns.add(k);
      }
    }
    Table t =
        new Table(
            "1. Token GET — broker GET /v1/token vs bare Vert.x server with the same "
                + bodyBytes
                + "-byte body (flags "
                + flags.label()
                + "; wrk -t1, median of "
                + s.rounds()
                + " interleaved rounds × "
                + s.seconds()
                + " s)",
            "keys",
            "conns",
            "broker req/s",
            "baseline req/s",
            "ratio",
            "broker p50 ms",
            "broker p99 ms",
            "baseline p99 ms",
            "p99 ×",
            "errors");
    for (Case c : cases) {
      List<LoadResult> k = cand.get(c);
      List<LoadResult> b = base.get(c);
      double ratio = Stats.medianRatio(k, b, LoadResult::rps);
      double p99x = Stats.medianRatio(k, b, LoadResult::p99Ms);
      long errors =
          k.stream().mapToLong(LoadResult::errors).sum()
              + b.stream().mapToLong(LoadResult::errors).sum();
      t.row(
          new JsonObject()
              .put("keys", c.keys())
              .put("connections", c.connections())
              .put("broker_rps", Stats.round(Stats.median(k, LoadResult::rps)))
              .put("baseline_rps", Stats.round(Stats.median(b, LoadResult::rps)))
              .put("ratio", Stats.round(ratio))
              .put("broker_p50_ms", Stats.round(Stats.median(k, LoadResult::p50Ms)))
              .put("broker_p99_ms", Stats.round(Stats.median(k, LoadResult::p99Ms)))
              .put("baseline_p50_ms", Stats.round(Stats.median(b, LoadResult::p50Ms)))
              .put("baseline_p99_ms", Stats.round(Stats.median(b, LoadResult::p99Ms)))
              .put("p99_ratio", Stats.round(p99x))
              .put("errors", errors)
              .put("broker_runs", runs(k))
              .put("baseline_runs", runs(b)),
          c.keys(),
          Integer.toString(c.connections()),
          Stats.rps(Stats.median(k, LoadResult::rps)),
          Stats.rps(Stats.median(b, LoadResult::rps)),
          Stats.ratio(ratio),
          Stats.ms(Stats.median(k, LoadResult::p50Ms)),
          Stats.ms(Stats.median(k, LoadResult::p99Ms)),
          Stats.ms(Stats.median(b, LoadResult::p99Ms)),
          Stats.ratio(p99x),
          Long.toString(errors));
      if (c.connections() == 64) {
        double goal = c.script() == null ? 0.95 : 0.90;
        ctx.report()
            .target(
                "token GET " + c.keys() + " key(s), 64 conns, " + flags.label() + ": throughput",
                "≥ " + Stats.ratio(goal) + " × bare Vert.x",
                Stats.ratio3(ratio) + " ×",
                ratio >= goal && errors == 0);
        ctx.report()
            .target(
                "token GET " + c.keys() + " key(s), 64 conns, " + flags.label() + ": p99",
                "≤ 1.10 × bare Vert.x",
                Stats.ratio3(p99x) + " ×",
                p99x <= 1.1 && errors == 0);
      }
    }
    t.note(
        "ratio and p99 × are medians of per-round ratios (each broker run over the baseline run just before it).");
    t.note("errors: socket errors and non-2xx answers over all runs of the row (must be 0).");
    if (flags.appCds()) {
      t.note(
          "the class-data archive only fits the broker jar: the baseline runs the same flags without it.");
    }
    t.note("flags: " + flags.display());
    ctx.report().add(t);
    return brokerRuns;
  }

  private void eventBus(BrokerProcess broker, int baselineBridge) {
    JsonObject request =
        new JsonObject()
            .put("audience", BrokerProcess.STUDENTS_API)
            .put("scope", BrokerProcess.SCOPE);
    EventBusLoad toBroker =
        new EventBusLoad(ctx.clientVertx(), broker.bridgePort(), "token-broker.token", request);
    EventBusLoad toBaseline =
        new EventBusLoad(ctx.clientVertx(), baselineBridge, "token-broker.token", request);
    int[][] shapes = {{1, 1}, {1, 64}, {4, 64}};
    Duration warm = Duration.ofMillis(500);
    Duration measure = Duration.ofSeconds(Math.max(1, s.seconds() - 1));
    String flagsLabel = s.flagSets().get(0).label();
    for (EventBusLoad target : List.of(toBaseline, toBroker)) {
      target.run(1, 1, Duration.ZERO, Duration.ofMillis(500));
      target.run(1, 64, Duration.ZERO, Duration.ofSeconds(s.warmupSeconds()));
    }
    Map<Integer, List<LoadResult>> base = new LinkedHashMap<>();
    Map<Integer, List<LoadResult>> cand = new LinkedHashMap<>();
    for (int round = 0; round < s.rounds(); round++) {
      for (int i = 0; i < shapes.length; i++) {
        base.computeIfAbsent(i, x -> new ArrayList<>())
            .add(toBaseline.run(shapes[i][0], shapes[i][1], warm, measure));
        cand.computeIfAbsent(i, x -> new ArrayList<>())
            .add(toBroker.run(shapes[i][0], shapes[i][1], warm, measure));
      }
    }
    Table t =
        new Table(
            "2. Event bus — request/reply to token-broker.token through the TCP bridge vs a bare bridge"
                + " replying the same JSON (flags "
                + flagsLabel
                + "; closed loop, median of "
                + s.rounds()
                + " interleaved rounds × "
                + Math.max(1, s.seconds() - 1)
                + " s)",
            "connections",
            "outstanding",
            "broker req/s",
            "baseline req/s",
            "ratio",
            "broker p50 ms",
            "broker p99 ms",
            "baseline p99 ms",
            "p99 ×",
            "errors");
    for (int i = 0; i < shapes.length; i++) {
      List<LoadResult> k = cand.get(i);
      List<LoadResult> b = base.get(i);
      double ratio = Stats.medianRatio(k, b, LoadResult::rps);
      double p99x = Stats.medianRatio(k, b, LoadResult::p99Ms);
      long errors =
          k.stream().mapToLong(LoadResult::errors).sum()
              + b.stream().mapToLong(LoadResult::errors).sum();
      t.row(
          new JsonObject()
              .put("connections", shapes[i][0])
              .put("outstanding", shapes[i][1])
              .put("broker_rps", Stats.round(Stats.median(k, LoadResult::rps)))
              .put("baseline_rps", Stats.round(Stats.median(b, LoadResult::rps)))
              .put("ratio", Stats.round(ratio))
              .put("broker_p50_ms", Stats.round(Stats.median(k, LoadResult::p50Ms)))
              .put("broker_p99_ms", Stats.round(Stats.median(k, LoadResult::p99Ms)))
              .put("baseline_p99_ms", Stats.round(Stats.median(b, LoadResult::p99Ms)))
              .put("p99_ratio", Stats.round(p99x))
              .put("errors", errors)
              .put("broker_runs", runs(k))
              .put("baseline_runs", runs(b)),
          Integer.toString(shapes[i][0]),
          Integer.toString(shapes[i][1]),
          Stats.rps(Stats.median(k, LoadResult::rps)),
          Stats.rps(Stats.median(b, LoadResult::rps)),
          Stats.ratio(ratio),
          Stats.ms(Stats.median(k, LoadResult::p50Ms)),
          Stats.ms(Stats.median(k, LoadResult::p99Ms)),
          Stats.ms(Stats.median(b, LoadResult::p99Ms)),
          Stats.ratio(p99x),
          Long.toString(errors));
      ctx.report()
          .target(
              "event bus, " + shapes[i][0] + " conn(s) × " + shapes[i][1] + " outstanding",
              "≥ 0.95 × bare bridge",
              Stats.ratio3(ratio) + " ×",
              ratio >= 0.95 && errors == 0);
    }
    t.note(
        "client: one event loop in the harness JVM, latency from frame write to reply frame parsed.");
    ctx.report().add(t);
  }

  static JsonArray runs(List<LoadResult> results) {
    JsonArray a = new JsonArray();
    results.forEach(r -> a.add(r.toJson()));
    return a;
  }
}
