package dev.tokenbroker.bench;

import dev.tokenbroker.bench.load.Wrk;
import dev.tokenbroker.bench.process.Launcher;
import dev.tokenbroker.bench.process.MockIdp;
import dev.tokenbroker.bench.report.Report;
import io.vertx.core.Vertx;

/**
 * What every section gets: the settings, the launcher for child JVMs, wrk, the shared mock IdP, and
 * two Vert.x instances of the harness — one for load clients (one event loop, like {@code wrk -t1})
 * and one for the in-process services (the counting proxy) — plus the report to add to.
 */
public record BenchContext(
    Settings settings,
    Launcher launcher,
    Wrk wrk,
    MockIdp idp,
    Vertx clientVertx,
    Vertx serviceVertx,
    Report report) {}
