package dev.tokenbroker.bench.suites;

import dev.tokenbroker.bench.BenchContext;
import dev.tokenbroker.bench.Settings;
import dev.tokenbroker.bench.load.LoadResult;
import dev.tokenbroker.bench.process.BrokerProcess;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.MockIdp;
import dev.tokenbroker.bench.process.ServerProcess;
import dev.tokenbroker.bench.report.Stats;
import dev.tokenbroker.bench.report.Table;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Section 4: students-rs {@code GET /students} with valid tokens (one reused; {@code tokens}
 * distinct ones rotating) against the same server with {@code authEnabled: false}, and against a
 * plain {@code JWTAuthHandler} server ({@link dev.tokenbroker.bench.servers.PlainJwtServer}). All
 * three run with the same JVM flags; runs interleave (no auth, students-rs, plain) per round.
 */
public final class StudentsSuite {

  private static final int CONNECTIONS = 64;

  private final BenchContext ctx;
  private final Settings s;

  public StudentsSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.s = ctx.settings();
  }

  private record Case(
      String label, String script, List<String> args, Map<String, String> headers) {}

  public void run() throws Exception {
    Launcher l = ctx.launcher();
    Path tokenFile = tokenFile(ctx);
    List<String> tokens = Files.readAllLines(tokenFile, StandardCharsets.UTF_8);
    String issuer = ctx.idp().issuer(MockIdp.LONG);
    List<ServerProcess> servers = new ArrayList<>();
    try {
      servers.add(ServerProcess.studentsRs(l, "students-noauth", s.studentsFlags(), null));
      servers.add(ServerProcess.studentsRs(l, "students-rs", s.studentsFlags(), issuer));
      servers.add(
          ServerProcess.plainJwt(
              l, "plain-jwt", s.studentsFlags(), issuer, ctx.idp().jwksUri(MockIdp.LONG)));
      List<String> names =
          new ArrayList<>(
              List.of("students-rs, authEnabled: false", "students-rs", "plain JWTAuthHandler"));
      try {
        servers.add(
            ServerProcess.springPeer(
                l, "spring-peer", s.studentsFlags(), issuer, ctx.idp().jwksUri(MockIdp.LONG)));
        names.add("Spring Boot resource server");
      } catch (RuntimeException | IOException e) {
        ctx.report().error("students (Spring Boot peer row)", e);
      }
      for (int i = 0; i < servers.size(); i++) {
        Launcher.Response r =
            l.get(
                servers.get(i).baseUrl() + "/students",
                Map.of("Authorization", "Bearer " + tokens.get(0)));
        if (r.status() != 200) {
          throw new IllegalStateException(
              names.get(i) + " refused a minted token: " + r.status() + " " + r.body());
        }
      }
      List<Case> cases =
          List.of(
              new Case(
                  "1 token", null, List.of(), Map.of("Authorization", "Bearer " + tokens.get(0))),
              new Case(
                  s.tokens() + " tokens rotating",
                  "rotate-tokens.lua",
                  List.of(tokenFile.toString(), "/students"),
                  Map.of()));
      for (ServerProcess server : servers) {
        Case warm = cases.get(1);
        ctx.wrk()
            .run(
                server.baseUrl() + "/students",
                CONNECTIONS,
                s.warmupSeconds(),
                warm.headers(),
                warm.script(),
                warm.args(),
                null);
      }
      Map<String, List<LoadResult>> results = new LinkedHashMap<>();
      for (int round = 0; round < s.rounds(); round++) {
        for (Case c : cases) {
          for (int i = 0; i < servers.size(); i++) {
            results
                .computeIfAbsent(c.label() + "|" + i, k -> new ArrayList<>())
                .add(
                    ctx.wrk()
                        .run(
                            servers.get(i).baseUrl() + "/students",
                            CONNECTIONS,
                            s.seconds(),
                            c.headers(),
                            c.script(),
                            c.args(),
                            null));
          }
        }
      }
      Table t =
          new Table(
              "4. students-rs GET /students — "
                  + CONNECTIONS
                  + " connections, wrk -t1, flags "
                  + s.studentsFlags().label()
                  + ", median of "
                  + s.rounds()
                  + " interleaved rounds × "
                  + s.seconds()
                  + " s",
              "tokens",
              "server",
              "req/s",
              "vs no auth",
              "p50 ms",
              "p99 ms",
              "errors");
      for (Case c : cases) {
        List<LoadResult> noAuth = results.get(c.label() + "|0");
        for (int i = 0; i < servers.size(); i++) {
          List<LoadResult> r = results.get(c.label() + "|" + i);
          double ratio = Stats.medianRatio(r, noAuth, LoadResult::rps);
          long errors = r.stream().mapToLong(LoadResult::errors).sum();
          t.row(
              new JsonObject()
                  .put("tokens", c.label())
                  .put("server", names.get(i))
                  .put("rps", Stats.round(Stats.median(r, LoadResult::rps)))
                  .put("ratio_to_noauth", Stats.round(ratio))
                  .put("p50_ms", Stats.round(Stats.median(r, LoadResult::p50Ms)))
                  .put("p99_ms", Stats.round(Stats.median(r, LoadResult::p99Ms)))
                  .put("errors", errors)
                  .put("runs", TokenApiSuite.runs(r)),
              c.label(),
              names.get(i),
              Stats.rps(Stats.median(r, LoadResult::rps)),
              Stats.ratio(ratio),
              Stats.ms(Stats.median(r, LoadResult::p50Ms)),
              Stats.ms(Stats.median(r, LoadResult::p99Ms)),
              Long.toString(errors));
          if (i == 1 && c.script() != null) {
            ctx.report()
                .target(
                    "students-rs, " + s.tokens() + " distinct tokens",
                    "≥ 0.85 × authEnabled: false",
                    Stats.ratio3(ratio) + " ×",
                    ratio >= 0.85 && errors == 0);
          }
        }
      }
      t.note(
          "vs no auth: median of per-round ratios to students-rs with authEnabled: false (same pipeline, access log included).");
      t.note(
          "plain JWTAuthHandler: Router + JWTAuthHandler(scope) + handler; no access log, no request id.");
      t.note(
          "Spring Boot resource server: Boot 4.1.2, spring-boot-starter-web (Tomcat) + spring-boot-starter-oauth2-resource-server"
              + " (NimbusJwtDecoder from jwk-set-uri, issuer and audience checked), hasAuthority(SCOPE_read:students); bench/spring-peer.");
      t.note(
          "tokens: minted up front from the mock IdP (RS256, 1 h); students-rs caches verified tokens (bounded, lock-free, keyed by the presented header).");
      ctx.report().add(t);
    } finally {
      servers.forEach(ServerProcess::close);
    }
  }

  private static Path minted;

  /**
   * A file of {@code BENCH_TOKENS} distinct valid tokens for students-api, minted once per run (the
   * IdP's signing key is new in every run).
   */
  static synchronized Path tokenFile(BenchContext ctx) throws Exception {
    if (minted == null) {
      Path f = ctx.launcher().workDir().resolve("students-tokens.txt");
      Files.write(f, mint(ctx, ctx.settings().tokens()), StandardCharsets.UTF_8);
      minted = f;
    }
    return minted;
  }

  /** {@code n} distinct tokens for students-api from the IdP, eight requests at a time. */
  private static List<String> mint(BenchContext ctx, int n) throws Exception {
    String endpoint = ctx.idp().tokenEndpoint(MockIdp.LONG);
    String basic =
        Base64.getEncoder()
            .encodeToString(
                (BrokerProcess.CLIENT_ID + ":bench-only-secret").getBytes(StandardCharsets.UTF_8));
    String form =
        "grant_type=client_credentials&audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents";
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> pending = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        pending.add(
            pool.submit(
                () -> {
                  Launcher.Response r = ctx.launcher().postForm(endpoint, basic, form);
                  if (r.status() != 200) {
                    throw new IOException("IdP answered " + r.status() + ": " + r.body());
                  }
                  return new JsonObject(r.body()).getString("access_token");
                }));
      }
      List<String> tokens = new ArrayList<>();
      for (Future<String> f : pending) {
        tokens.add(f.get());
      }
      return tokens;
    } finally {
      pool.shutdownNow();
    }
  }
}
