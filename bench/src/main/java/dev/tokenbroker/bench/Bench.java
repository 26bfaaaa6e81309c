package dev.tokenbroker.bench;

import dev.tokenbroker.bench.load.Wrk;
import dev.tokenbroker.bench.process.JvmFlags;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.MockIdp;
import dev.tokenbroker.bench.report.Report;
import dev.tokenbroker.bench.suites.Brokers;
import dev.tokenbroker.bench.suites.FootprintSuite;
import dev.tokenbroker.bench.suites.IdpCallsSuite;
import dev.tokenbroker.bench.suites.ScalingSuite;
import dev.tokenbroker.bench.suites.StudentsSuite;
import dev.tokenbroker.bench.suites.TokenApiSuite;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark harness {@code bench/run.sh} starts: runs the sections in order, each in its own
 * try so one failure does not hide the others, stops starting sections once the time budget is
 * spent, prints the tables and writes {@code bench/results/latest.json}.
 *
 * <p>{@code java -cp ... Bench BENCH_DIR BROKER_JAR STUDENTS_JAR CLASSPATH [--quick]}
 */
public final class Bench {

  /** Rough length of each section with the default settings, for the budget check. */
  private static final List<Section> SECTIONS =
      List.of(
          new Section("token", 200),
          new Section("eventbus", 40),
          new Section("idp", 75),
          new Section("students", 110),
          new Section("scaling", 70),
          new Section("footprint", 190),
          new Section("prefetch", 45),
          new Section("fleet", 60));

  private record Section(String name, int estimateSeconds) {}

  private Bench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: Bench BENCH_DIR BROKER_JAR STUDENTS_JAR CLASSPATH [--quick]");
      System.exit(2);
    }
    long t0 = System.nanoTime();
    Path benchDir = Path.of(args[0]).toAbsolutePath();
    boolean quick = Arrays.asList(args).contains("--quick");
    Settings settings = Settings.from(System.getenv(), quick);
    Path work = benchDir.resolve("target/bench-work");
    Path logs = work.resolve("logs");
    Files.createDirectories(logs);
    Files.deleteIfExists(logs.resolve("children.pids"));
    Launcher launcher = new Launcher(work, logs, args[3], Path.of(args[1]), Path.of(args[2]));
    Report report = new Report(machine(), settings.toJson().put("quick", quick));
    Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Vertx serviceVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    System.out.println("bench: logs in " + logs + "; settings " + settings.toJson().encode());
    try (MockIdp idp = MockIdp.start(launcher, settings.tokenSeconds())) {
      BenchContext ctx =
          new BenchContext(
              settings,
              launcher,
              new Wrk(benchDir.resolve("wrk"), work),
              idp,
              clientVertx,
              serviceVertx,
              report);
      Set<JvmFlags> archived = new LinkedHashSet<>();
      if (settings.runs("token")
          || settings.runs("eventbus")
          || settings.runs("idp")
          || settings.runs("prefetch")) {
        settings.flagSets().stream().filter(JvmFlags::appCds).forEach(archived::add);
      }
      if (settings.runs("footprint")) {
        settings.variants().stream().filter(JvmFlags::appCds).forEach(archived::add);
      }
      for (JvmFlags f : archived) {
        if (!f.available()) {
          report.note(
              f.label()
                  + ": JDK "
                  + f.jdk().label()
                  + " is not installed here; its rows are skipped");
          continue;
        }
        boolean ok = Brokers.createArchive(ctx, f);
        System.out.println(
            "bench: " + f.archive() + " archive for " + f.label() + (ok ? " written" : " FAILED"));
        if (!ok) {
          report.note(
              f.label() + ": the " + f.archive() + " archive could not be made; it runs without");
        }
      }
      boolean tokenDone = false;
      for (Section section : SECTIONS) {
        if (!settings.runs(section.name())) {
          continue;
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double scale = quick ? 0.3 : 1.0;
        if (elapsed + section.estimateSeconds() * scale > settings.budgetSeconds()) {
          report.error(
              section.name(),
              new IllegalStateException(
                  "skipped: time budget spent (" + Math.round(elapsed) + " s)"));
          continue;
        }
        if (!idp.isAlive()) {
          report.error(
              section.name(),
              new IllegalStateException(
                  "not run: the mock IdP (pid "
                      + idp.pid()
                      + ") has gone, ended from outside the harness"));
          continue;
        }
        System.out.printf("bench: [%4.0f s] section %s%n", elapsed, section.name());
        try {
          switch (section.name()) {
            case "token", "eventbus" -> {
              if (!tokenDone) {
                new TokenApiSuite(ctx).run(settings.runs("token"), settings.runs("eventbus"));
                tokenDone = true;
              }
            }
            case "idp" -> new IdpCallsSuite(ctx).run();
            case "fleet" -> new dev.tokenbroker.bench.suites.FleetSuite(ctx).run();
            case "students" -> new StudentsSuite(ctx).run();
            case "scaling" -> new ScalingSuite(ctx).run();
            case "footprint" -> new FootprintSuite(ctx).run();
            case "prefetch" -> {
              double left = settings.budgetSeconds() - (System.nanoTime() - t0) / 1e9;
              new FootprintSuite(ctx)
                  .runPrefetch(Duration.ofSeconds((long) Math.max(30, Math.min(90, left - 10))));
            }
            default -> throw new IllegalStateException("unknown section " + section.name());
          }
        } catch (Exception | AssertionError e) {
          e.printStackTrace();
          report.error(section.name(), e);
        }
      }
    } finally {
      clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      serviceVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    System.out.println();
    System.out.print(report.render(wall));
    Path out = benchDir.resolve("results/latest.json");
    report.write(out, wall);
    Files.writeString(benchDir.resolve("results/latest.txt"), report.render(wall));
    System.out.println("written " + out);
    System.exit(report.hasErrors() ? 1 : 0);
  }

  /** What the numbers were measured on. */
  private static JsonObject machine() {
    String mem =
        run(List.of("free", "-g")).lines().filter(l -> l.startsWith("Mem:")).findFirst().orElse("");
    String[] cols = mem.trim().split("\\s+");
    String total = cols.length > 1 ? cols[1] + " GB RAM (free -g)" : "?";
    String javaVersion =
        run(List.of(JvmFlags.javaBin(), "-version")).lines().findFirst().orElse("?");
    return new JsonObject()
        .put("nproc", run(List.of("nproc")).trim())
        .put("memory", total)
        .put("free_g", run(List.of("free", "-g")).trim())
        .put("java", javaVersion.trim())
        .put("java_version_full", run(List.of(JvmFlags.javaBin(), "-version")).trim())
        .put("jdks", new JsonObject(new java.util.LinkedHashMap<>(JvmFlags.versions())))
        .put("cpu", cpuModel())
        .put("kernel", run(List.of("uname", "-r")).trim())
        .put("wrk", run(List.of("wrk", "--version")).lines().findFirst().orElse("?").trim())
        .put("loadavg_at_start", read("/proc/loadavg").trim())
        .put("started_at", Instant.now().toString());
  }

  private static String cpuModel() {
    return read("/proc/cpuinfo")
        .lines()
        .filter(l -> l.startsWith("model name"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim())
        .findFirst()
        .orElse("?");
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return "?";
    }
  }

  private static String run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }
}
