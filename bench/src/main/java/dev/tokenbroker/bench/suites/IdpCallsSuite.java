package dev.tokenbroker.bench.suites;

import dev.tokenbroker.bench.BenchContext;
import dev.tokenbroker.bench.Settings;
import dev.tokenbroker.bench.load.BrokerHttpSource;
import dev.tokenbroker.bench.load.Callers;
import dev.tokenbroker.bench.load.NaiveTokenCache;
import dev.tokenbroker.bench.process.BrokerProcess;
import dev.tokenbroker.bench.process.MockIdp;
import dev.tokenbroker.bench.report.Stats;
import dev.tokenbroker.bench.report.Table;
import dev.tokenbroker.bench.servers.CountingProxy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Section 3: how many IdP calls concurrent callers cause. A {@link CountingProxy} sits in front of
 * the IdP's token endpoints. The broker (keys not prefetched, so the first request is cold) gets
 * {@code callers} concurrent cold requests per key, then {@code callers} callers hammering one key
 * across several token lifetimes ({@code short} issuer). The same is done with {@link
 * NaiveTokenCache}, whose tokens come from the {@code naive} issuer (60 s longer lived, so its 60 s
 * margin leaves the same usable lifetime).
 */
public final class IdpCallsSuite {

  private static final long THINK_MILLIS = 10;

  private final BenchContext ctx;
  private final Settings s;

  public IdpCallsSuite(BenchContext ctx) {
    this.ctx = ctx;
    this.s = ctx.settings();
  }

  public void run() throws IOException {
    CountingProxy proxy = new CountingProxy(ctx.idp().port());
    String deployment =
        await(ctx.serviceVertx().deployVerticle(proxy).toCompletionStage().toCompletableFuture());
    String shortPath = "/" + MockIdp.SHORT + "/token";
    String naivePath = "/" + MockIdp.NAIVE + "/token";
    String proxyBase = "http://127.0.0.1:" + proxy.port();
    List<BrokerProcess.Key> keys = new ArrayList<>();
    for (int i = 0; i < s.rounds(); i++) {
      keys.add(new BrokerProcess.Key("https://cold-" + i, false));
    }
    keys.add(new BrokerProcess.Key("https://storm", false));
    Callers callers = new Callers(ctx.clientVertx());
    Table t =
        new Table(
            "3. IdP calls under concurrency — "
                + s.callers()
                + " concurrent callers, IdP calls counted by a proxy in front of the token endpoint",
            "case",
            "client",
            "IdP calls",
            "ideal",
            "ok / calls",
            "distinct tokens",
            "p50 ms",
            "max ms");
    try (BrokerProcess broker =
        BrokerProcess.start(ctx.launcher(), "broker-idp", s.flags(), proxyBase + shortPath, keys)) {
      broker.awaitReady(Duration.ofSeconds(60));
      try (BrokerHttpSource http =
          new BrokerHttpSource(ctx.clientVertx(), broker.httpPort(), s.callers() + 16)) {
        await(http.connect(s.callers()).toCompletionStage().toCompletableFuture());
        // Cold bursts: one fresh key per round.
        List<Long> calls = new ArrayList<>();
        List<Callers.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < s.rounds(); i++) {
          String audience = "https://cold-" + i;
          String path = BrokerProcess.tokenPath(audience);
          outcomes.add(callers.burst(() -> http.token(path), s.callers(), Duration.ofSeconds(60)));
          calls.add(proxy.count(shortPath, audience));
        }
        burstRow(t, "broker", calls, outcomes);
        boolean allOk = outcomes.stream().allMatch(o -> o.ok() == s.callers());
        ctx.report()
            .check(
                "cold burst: IdP calls for " + s.callers() + " concurrent requests, one key",
                "exactly 1",
                calls.toString(),
                allOk && calls.stream().allMatch(c -> c == 1));
        // Storm over several lifetimes, starting cold.
        String stormPath = BrokerProcess.tokenPath("https://storm");
        Callers.Outcome storm =
            callers.storm(
                () -> http.token(stormPath),
                s.callers(),
                Duration.ofSeconds(s.stormSeconds()),
                THINK_MILLIS);
        long stormCalls = proxy.count(shortPath, "https://storm");
        stormRow(t, "broker", stormCalls, storm);
        ctx.report()
            .check(
                "refresh storm: IdP calls per token, "
                    + s.callers()
                    + " callers, "
                    + lifetimes()
                    + " lifetimes",
                "exactly 1 (one call per refresh)",
                stormCalls
                    + " calls / "
                    + storm.distinctTokens()
                    + " tokens, "
                    + storm.failed()
                    + " failed",
                stormCalls == storm.distinctTokens() && storm.failed() == 0);
      }
    }
    // The naive fixture against the same proxy.
    String naiveEndpoint = proxyBase + naivePath;
    Supplier<NaiveTokenCache> naive =
        () ->
            new NaiveTokenCache(
                ctx.clientVertx(),
                naiveEndpoint,
                BrokerProcess.CLIENT_ID,
                "bench-only-secret",
                BrokerProcess.STUDENTS_API,
                BrokerProcess.SCOPE);
    List<Long> calls = new ArrayList<>();
    List<Callers.Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < s.rounds(); i++) {
      try (NaiveTokenCache cache = naive.get()) {
        long before = proxy.count(naivePath, BrokerProcess.STUDENTS_API);
        outcomes.add(callers.burst(cache, s.callers(), Duration.ofSeconds(120)));
        calls.add(proxy.count(naivePath, BrokerProcess.STUDENTS_API) - before);
      }
    }
    burstRow(t, "naive", calls, outcomes);
    try (NaiveTokenCache cache = naive.get()) {
      long before = proxy.count(naivePath, BrokerProcess.STUDENTS_API);
      Callers.Outcome storm =
          callers.storm(cache, s.callers(), Duration.ofSeconds(s.stormSeconds()), THINK_MILLIS);
      stormRow(t, "naive", proxy.count(naivePath, BrokerProcess.STUDENTS_API) - before, storm);
    }
    t.note(
        "cold burst: "
            + s.callers()
            + " requests for one not-yet-fetched key at the same instant (broker: on "
            + s.callers()
            + " pre-opened connections), one fresh key per round; calls listed per round.");
    t.note(
        "storm: "
            + s.callers()
            + " callers each loop get-token / "
            + THINK_MILLIS
            + " ms pause for "
            + s.stormSeconds()
            + " s, starting cold; tokens live "
            + s.tokenSeconds()
            + " s ("
            + lifetimes()
            + " lifetimes). Ideal for the broker = one call per distinct token: the cold fetch plus one"
            + " per refresh (it refreshes at ~50% of the lifetime, so ~2 per lifetime by design).");
    t.note(
        "naive: one shared cache, refresh when within 60 s of expiry, no single-flight; its tokens live "
            + (s.tokenSeconds() + 60)
            + " s so each is usable for "
            + s.tokenSeconds()
            + " s like the broker's. Ideal = 1 call per usable lifetime.");
    ctx.report().add(t);
    await(ctx.serviceVertx().undeploy(deployment).toCompletionStage().toCompletableFuture());
  }

  private double lifetimes() {
    return (double) s.stormSeconds() / s.tokenSeconds();
  }

  private void burstRow(Table t, String client, List<Long> calls, List<Callers.Outcome> outcomes) {
    JsonArray raw = new JsonArray();
    outcomes.forEach(o -> raw.add(o.toJson()));
    long ok = outcomes.stream().mapToLong(Callers.Outcome::ok).sum();
    long total = outcomes.stream().mapToLong(Callers.Outcome::calls).sum();
    int distinct = outcomes.stream().mapToInt(Callers.Outcome::distinctTokens).max().orElse(0);
    t.row(
        new JsonObject()
            .put("case", "cold burst")
            .put("client", client)
            .put("idp_calls_per_round", new JsonArray(new ArrayList<>(calls)))
            .put("outcomes", raw),
        "cold burst ×" + s.callers(),
        client,
        join(calls),
        "1",
        ok + " / " + total,
        Integer.toString(distinct),
        Stats.ms(Stats.median(outcomes, Callers.Outcome::p50Ms)),
        Stats.ms(outcomes.stream().mapToDouble(Callers.Outcome::maxMs).max().orElse(Double.NaN)));
  }

  private void stormRow(Table t, String client, long calls, Callers.Outcome o) {
    String ideal = client.equals("broker") ? "= tokens" : "≈ " + (long) Math.ceil(lifetimes());
    t.row(
        new JsonObject()
            .put("case", "storm")
            .put("client", client)
            .put("idp_calls", calls)
            .put("lifetimes", lifetimes())
            .put("calls_per_lifetime", Stats.round(calls / lifetimes()))
            .put("outcome", o.toJson()),
        "storm " + s.stormSeconds() + " s",
        client,
        Long.toString(calls),
        ideal,
        o.ok() + " / " + o.calls(),
        Integer.toString(o.distinctTokens()),
        Stats.ms(o.p50Ms()),
        Stats.ms(o.maxMs()));
  }

  private static String join(List<Long> calls) {
    return String.join(", ", calls.stream().map(String::valueOf).toList());
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
