package dev.tokenbroker.bench.load;

import io.vertx.core.json.JsonObject;

/**
 * One load run: throughput, latency percentiles in milliseconds, failed requests (non-2xx answers
 * and socket errors) and, when a process was watched, its peak resident memory during the run.
 */
public record LoadResult(
    double rps,
    double p50Ms,
    double p90Ms,
    double p99Ms,
    double maxMs,
    long requests,
    long errors,
    long maxRssKb) {

  public LoadResult withMaxRssKb(long kb) {
    return new LoadResult(rps, p50Ms, p90Ms, p99Ms, maxMs, requests, errors, kb);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("rps", Math.round(rps))
        .put("p50_ms", round(p50Ms))
        .put("p90_ms", round(p90Ms))
        .put("p99_ms", round(p99Ms))
        .put("max_ms", round(maxMs))
        .put("requests", requests)
        .put("errors", errors)
        .put("max_rss_kb", maxRssKb < 0 ? null : maxRssKb);
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
