package dev.tokenbroker.bench.suites;

import dev.tokenbroker.bench.BenchContext;
import dev.tokenbroker.bench.Settings;
import dev.tokenbroker.bench.load.LoadResult;
import dev.tokenbroker.bench.process.BrokerProcess;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.MockIdp;
import dev.tokenbroker.bench.report.Stats;
import dev.tokenbroker.bench.report.Table;
import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Section {@code fleet} (issue 15): the hot path {@code GET /v1/token} of one broker of a 3-node
 * fleet ({@code cluster.enabled}, Hazelcast on 127.0.0.1) against a single broker, same flags, same
 * key, interleaved rounds (single, fleet, single, fleet…), wrk with 64 connections. The fleet
 * serves from each node's own memory, so the target is the same within noise.
 */
public final class FleetSuite {

  private static final Pattern LISTENING =
      Pattern.compile("HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final int NODES = 3;
  private static final int CONNECTIONS = 64;

  private final BenchContext ctx;
  private final Settings s;

  public FleetSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.s = ctx.settings();
  }

  public void run() throws IOException {
    Launcher l = ctx.launcher();
    String endpoint = ctx.idp().tokenEndpoint(MockIdp.LONG);
    String path = BrokerProcess.tokenPath(BrokerProcess.STUDENTS_API);
    List<ChildProcess> fleet = new ArrayList<>();
    try (BrokerProcess single =
        BrokerProcess.start(
            l,
            "fleet-single",
            s.flags(),
            endpoint,
            List.of(new BrokerProcess.Key(BrokerProcess.STUDENTS_API, true)))) {
      single.awaitReady(Duration.ofSeconds(60));
      List<String> urls = startFleet(l, endpoint, fleet);
      String node = urls.get(0);
      for (String url : List.of(single.baseUrl(), node)) {
        ctx.wrk()
            .run(
                url + path,
                CONNECTIONS,
                s.warmupSeconds(),
                BrokerProcess.GUARD_HEADER,
                null,
                List.of(),
                null);
      }
      List<LoadResult> one = new ArrayList<>();
      List<LoadResult> three = new ArrayList<>();
      for (int round = 0; round < s.rounds(); round++) {
        // Alternate which goes first, so neither always runs right after the warm-up.
        if (round % 2 == 0) {
          one.add(load(single.baseUrl() + path, single.child()));
          three.add(load(node + path, fleet.get(0)));
        } else {
          three.add(load(node + path, fleet.get(0)));
          one.add(load(single.baseUrl() + path, single.child()));
        }
      }
      double ratio = Stats.medianRatio(three, one, LoadResult::rps);
      double p99x = Stats.medianRatio(three, one, LoadResult::p99Ms);
      long errors =
          one.stream().mapToLong(LoadResult::errors).sum()
              + three.stream().mapToLong(LoadResult::errors).sum();
      Table t =
          new Table(
              "Fleet — GET /v1/token of one node of a "
                  + NODES
                  + "-node fleet vs a single broker (flags "
                  + s.flags().label()
                  + "; wrk -t1 -c"
                  + CONNECTIONS
                  + ", median of "
                  + s.rounds()
                  + " interleaved rounds × "
                  + s.seconds()
                  + " s)",
              "broker",
              "req/s",
              "p50 ms",
              "p99 ms",
              "errors");
      row(t, "single", one);
      row(t, NODES + "-node fleet", three);
      t.note(
          "fleet/single: throughput "
              + Stats.ratio3(ratio)
              + " ×, p99 "
              + Stats.ratio3(p99x)
              + " × (the other fleet nodes idle on the same host)");
      ctx.report().add(t);
      ctx.report()
          .target(
              "token GET in a 3-node fleet, 64 conns: throughput",
              "≥ 0.90 × single broker",
              Stats.ratio3(ratio) + " ×",
              ratio >= 0.9 && errors == 0);
    } finally {
      fleet.forEach(ChildProcess::close);
    }
  }

  private LoadResult load(String url, ChildProcess watch) throws IOException {
    return ctx.wrk()
        .run(url, CONNECTIONS, s.seconds(), BrokerProcess.GUARD_HEADER, null, List.of(), watch);
  }

  private static void row(Table t, String name, List<LoadResult> runs) {
    t.row(
        new JsonObject()
            .put("broker", name)
            .put("rps", Stats.round(Stats.median(runs, LoadResult::rps)))
            .put("p50_ms", Stats.round(Stats.median(runs, LoadResult::p50Ms)))
            .put("p99_ms", Stats.round(Stats.median(runs, LoadResult::p99Ms)))
            .put("errors", runs.stream().mapToLong(LoadResult::errors).sum()),
        name,
        Stats.rps(Stats.median(runs, LoadResult::rps)),
        Stats.ms(Stats.median(runs, LoadResult::p50Ms)),
        Stats.ms(Stats.median(runs, LoadResult::p99Ms)),
        Long.toString(runs.stream().mapToLong(LoadResult::errors).sum()));
  }

  /** Starts the fleet (TCP-IP member list on 127.0.0.1) and returns its nodes' base URLs, ready. */
  private List<String> startFleet(Launcher l, String endpoint, List<ChildProcess> fleet)
      throws IOException {
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    Path secret = l.workDir().resolve("fleet-secret");
    Files.writeString(secret, HexFormat.of().formatHex(raw) + "\n");
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      ports.add(Launcher.freePort());
    }
    String members =
        ports.stream().map(p -> "\"127.0.0.1:" + p + "\"").collect(Collectors.joining(", "));
    for (int i = 0; i < NODES; i++) {
      String name = "fleet-node-" + i;
      Path config = l.workDir().resolve(name + ".yaml");
      Files.writeString(
          config,
          "http: {host: 127.0.0.1, port: 0, limits: {maxConnections: 4096}}\n"
              + "idp: {tokenEndpoint: \""
              + endpoint
              + "\", clientId: "
              + BrokerProcess.CLIENT_ID
              + ", clientSecret: bench-only-secret}\n"
              + "eventBus: {tcpBridge: {enabled: false}}\n"
              + "tokens:\n"
              + "  - {audience: \""
              + BrokerProcess.STUDENTS_API
              + "\", scopes: ["
              + BrokerProcess.SCOPE
              + "], prefetch: true}\n"
              + "cluster: {enabled: true, host: 127.0.0.1, port: "
              + ports.get(i)
              + ", members: ["
              + members
              + "], secretFile: \""
              + secret
              + "\"}\n");
      fleet.add(l.startJar(name, s.flags(), l.brokerJar(), List.of("--config", config.toString())));
    }
    List<String> urls = new ArrayList<>();
    for (ChildProcess c : fleet) {
      int port = Integer.parseInt(c.awaitLine(LISTENING, Duration.ofSeconds(120)).group(1));
      String url = "http://127.0.0.1:" + port;
      if (!l.awaitStatus(url + "/health/ready", 200, Duration.ofSeconds(120))) {
        throw new IllegalStateException(c.name() + " not ready" + c.tail());
      }
      urls.add(url);
    }
    return urls;
  }
}
