package dev.tokenbroker.bench.suites;

import dev.tokenbroker.bench.BenchContext;
import dev.tokenbroker.bench.Settings;
import dev.tokenbroker.bench.load.LoadResult;
import dev.tokenbroker.bench.process.BrokerProcess;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.Memory;
import dev.tokenbroker.bench.process.MockIdp;
import dev.tokenbroker.bench.process.ServerProcess;
import dev.tokenbroker.bench.report.Stats;
import dev.tokenbroker.bench.report.Table;
import dev.tokenbroker.bench.servers.ValidatorScaling;
import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Section 4b: students-rs verifications per second on 1 and 2 cores with its token cache off
 * ({@code tokenCache.maxEntries: 0}: every request checks the RSA signature), {@code BENCH_TOKENS}
 * distinct tokens rotating.
 *
 * <ul>
 *   <li>HTTP: students-rs under {@code taskset -c 0} with {@code http.instances: 1}, and under
 *       {@code taskset -c 0,1} with {@code http.instances: 2}; wrk on core 1 for the first (the
 *       server has core 0 to itself), unpinned for the second (wrk shares the two cores, so this
 *       ratio cannot reach 2). The server's CPU time per run gives its verifications per
 *       CPU-second.
 *   <li>in-JVM ({@link ValidatorScaling}): one shared {@code TokenValidator} called by 1 thread
 *       under {@code taskset -c 0} and by 2 threads under {@code taskset -c 0,1}; nothing else
 *       competes for the cores, so this ratio is the scaling figure the target is judged on.
 * </ul>
 */
public final class ScalingSuite {

  private static final int CONNECTIONS = 64;
  private static final Pattern RESULT = Pattern.compile("SCALING (\\{.*})");
  private static final double TARGET = 1.8;

  private final BenchContext ctx;
  private final Settings s;

  public ScalingSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.s = ctx.settings();
  }

  private record Run(LoadResult load, double cpuSeconds) {}

  public void run() throws Exception {
    Launcher l = ctx.launcher();
    Path tokens = StudentsSuite.tokenFile(ctx);
    String issuer = ctx.idp().issuer(MockIdp.LONG);
    String[] cpus = {"0", "0,1"};
    String[] wrkCpus = {"1", null};
    Table t =
        new Table(
            "4b. students-rs vertical scaling — token cache off (every request verifies RS256), "
                + s.tokens()
                + " tokens rotating, taskset, flags "
                + s.studentsFlags().label()
                + ", median of "
                + s.rounds()
                + " interleaved rounds × "
                + s.seconds()
                + " s",
            "what",
            "cores",
            "verifications/s",
            "2 cores / 1 core",
            "server CPU s per 1000",
            "p99 ms",
            "errors");
    List<ServerProcess> servers = new ArrayList<>();
    int instancesGiven = 0;
    try {
      for (int i = 0; i < cpus.length; i++) {
        servers.add(startPinned(l, issuer, cpus[i], i + 1));
      }
      instancesGiven = lastInstances;
      for (int i = 0; i < servers.size(); i++) {
        ctx.wrk()
            .run(
                servers.get(i).baseUrl() + "/students",
                CONNECTIONS,
                s.warmupSeconds(),
                Map.of(),
                "rotate-tokens.lua",
                List.of(tokens.toString(), "/students"),
                null,
                wrkCpus[i]);
      }
      Map<Integer, List<Run>> runs = new LinkedHashMap<>();
      for (int round = 0; round < s.rounds(); round++) {
        for (int i = 0; i < servers.size(); i++) {
          ChildProcess child = servers.get(i).child();
          double before = Memory.cpuSeconds(child.pid());
          LoadResult r =
              ctx.wrk()
                  .run(
                      servers.get(i).baseUrl() + "/students",
                      CONNECTIONS,
                      s.seconds(),
                      Map.of(),
                      "rotate-tokens.lua",
                      List.of(tokens.toString(), "/students"),
                      null,
                      wrkCpus[i]);
          runs.computeIfAbsent(i, k -> new ArrayList<>())
              .add(new Run(r, Memory.cpuSeconds(child.pid()) - before));
        }
      }
      double httpRatio = Stats.medianRatio(runs.get(1), runs.get(0), x -> x.load().rps());
      for (int i = 0; i < servers.size(); i++) {
        List<Run> r = runs.get(i);
        double rps = Stats.median(r, x -> x.load().rps());
        double cpuPer1000 = Stats.median(r, x -> x.cpuSeconds() / x.load().requests() * 1000);
        long errors = r.stream().mapToLong(x -> x.load().errors()).sum();
        t.row(
            new JsonObject()
                .put("what", "http")
                .put("cores", i + 1)
                .put("taskset", cpus[i])
                .put("wrk_taskset", wrkCpus[i])
                .put("rps", Stats.round(rps))
                .put("ratio_to_1_core", i == 0 ? 1.0 : Stats.round(httpRatio))
                .put("server_cpu_s_per_1000", Stats.round(cpuPer1000))
                .put("p99_ms", Stats.round(Stats.median(r, x -> x.load().p99Ms())))
                .put("errors", errors)
                .put("runs", TokenApiSuite.runs(r.stream().map(Run::load).toList())),
            i == 0 ? "HTTP, wrk on core 1" : "HTTP, wrk sharing",
            Integer.toString(i + 1),
            Stats.rps(rps),
            i == 0 ? "1.00" : Stats.ratio(httpRatio),
            String.format("%.3f", cpuPer1000),
            Stats.ms(Stats.median(r, x -> x.load().p99Ms())),
            Long.toString(errors));
      }
    } finally {
      servers.forEach(ServerProcess::close);
    }
    // In-JVM: no HTTP, no wrk.
    List<Double> one = new ArrayList<>();
    List<Double> two = new ArrayList<>();
    for (int round = 0; round < s.rounds(); round++) {
      one.add(inJvm(l, tokens, issuer, "0", 1));
      two.add(inJvm(l, tokens, issuer, "0,1", 2));
    }
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < one.size(); i++) {
      ratios.add(two.get(i) / one.get(i));
    }
    double ratio = Stats.median(ratios);
    t.row(
        new JsonObject()
            .put("what", "in-jvm")
            .put("cores", 1)
            .put("per_second", Stats.round(Stats.median(one)))
            .put("all", one),
        "TokenValidator, 1 thread",
        "1",
        Stats.rps(Stats.median(one)),
        "1.00",
        "-",
        "-",
        "0");
    t.row(
        new JsonObject()
            .put("what", "in-jvm")
            .put("cores", 2)
            .put("per_second", Stats.round(Stats.median(two)))
            .put("ratio_to_1_core", Stats.round(ratio))
            .put("all", two),
        "TokenValidator, 2 threads",
        "2",
        Stats.rps(Stats.median(two)),
        Stats.ratio(ratio),
        "-",
        "-",
        "0");
    t.note(
        "HTTP rows: students-rs with tokenCache.maxEntries: 0 and "
            + (instancesGiven > 0
                ? "http.instances = cores"
                : "no http.instances (this students-rs does not know the key; it deploys its default)")
            + "; 1 core: taskset -c 0, wrk on core 1; 2 cores: taskset -c 0,1, wrk unpinned on the same two cores.");
    t.note(
        "server CPU s per 1000: the students-rs JVM's user+system CPU time (/proc/PID/stat) per 1000 answered requests; equal on 1 and 2 cores = no contention cost.");
    t.note(
        "TokenValidator rows: one validator shared by 1 or 2 plain threads in a JVM under taskset, cache off, no HTTP and no wrk: the clean scaling figure.");
    t.note(
        "target: 2 cores / 1 core ≥ "
            + TARGET
            + " (linear within 10 %), judged on the TokenValidator rows.");
    ctx.report().add(t);
    ctx.report()
        .target(
            "students-rs scaling 1 → 2 cores, cache off (in-JVM TokenValidator)",
            "≥ " + TARGET + " × (linear)",
            Stats.ratio3(ratio) + " ×",
            ratio >= TARGET);
  }

  private int lastInstances;

  /**
   * students-rs pinned to {@code cpus} with {@code http.instances: instances}; without the key when
   * this students-rs refuses it (before rs12's change), so the section still runs.
   */
  private ServerProcess startPinned(Launcher l, String issuer, String cpus, int instances)
      throws Exception {
    String name = "students-scaling-" + instances + "core";
    try {
      ServerProcess p =
          ServerProcess.studentsRsPinned(l, name, s.studentsFlags(), issuer, cpus, instances);
      lastInstances = instances;
      return p;
    } catch (RuntimeException e) {
      ServerProcess p =
          ServerProcess.studentsRsPinned(
              l, name + "-noinstances", s.studentsFlags(), issuer, cpus, 0);
      lastInstances = 0;
      return p;
    }
  }

  private double inJvm(Launcher l, Path tokens, String issuer, String cpus, int threads)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus, s.studentsFlags().java()));
    cmd.addAll(s.studentsFlags().args());
    cmd.addAll(
        List.of(
            "-cp",
            l.studentsJar() + ":" + benchClasses(l),
            ValidatorScaling.class.getName(),
            "--issuer",
            issuer,
            "--audience",
            BrokerProcess.STUDENTS_API,
            "--jwks-uri",
            ctx.idp().jwksUri(MockIdp.LONG),
            "--tokens",
            tokens.toString(),
            "--threads",
            Integer.toString(threads),
            "--seconds",
            Integer.toString(s.seconds())));
    try (ChildProcess p = l.start("validator-" + threads + "t", cmd, s.studentsFlags().env())) {
      JsonObject r =
          new JsonObject(p.awaitLine(RESULT, Duration.ofSeconds(s.seconds() + 60L)).group(1));
      if (r.getLong("failed") > 0) {
        throw new IllegalStateException("validator refused tokens: " + r.encode());
      }
      return r.getDouble("per_second");
    }
  }

  /** The harness's own classes directory (first entry of its class path). */
  private static String benchClasses(Launcher l) {
    return l.classpath().split(":")[0];
  }
}
