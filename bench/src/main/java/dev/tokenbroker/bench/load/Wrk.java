package dev.tokenbroker.bench.load;

import dev.tokenbroker.bench.process.Memory;
import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code wrk -t1 -cN -dS --latency} against 127.0.0.1 and reads the line the Lua {@code done}
 * hook of {@code bench/wrk/report.lua} prints. A rotating script ({@code rotate-*.lua}) is run with
 * the report hook appended; without one, wrk sends one pre-built request (its fastest mode).
 */
public final class Wrk {

  private static final String MARKER = "BENCH-RESULT ";

  private final Path scriptDir;
  private final Path workDir;

  /**
   * @param scriptDir {@code bench/wrk}
   * @param workDir where the combined scripts are written
   */
  public Wrk(Path scriptDir, Path workDir) {
    this.scriptDir = scriptDir;
    this.workDir = workDir;
  }

  /**
   * One run with one wrk thread.
   *
   * @param script a file of {@code bench/wrk}, or null for the fixed request of {@code url}
   * @param scriptArgs passed after {@code --}
   * @param watch a process whose resident memory is sampled during the run, or null
   */
  public LoadResult run(
      String url,
      int connections,
      int seconds,
      Map<String, String> headers,
      String script,
      List<String> scriptArgs,
      ChildProcess watch)
      throws IOException {
    return run(url, connections, seconds, headers, script, scriptArgs, watch, null);
  }

  /** The same with wrk pinned to {@code cpus} ({@code taskset -c}), unless null. */
  public LoadResult run(
      String url,
      int connections,
      int seconds,
      Map<String, String> headers,
      String script,
      List<String> scriptArgs,
      ChildProcess watch,
      String cpus)
      throws IOException {
    if (!url.startsWith("http://127.0.0.1:")) {
      throw new IllegalArgumentException("load only ever targets 127.0.0.1: " + url);
    }
    List<String> cmd = new ArrayList<>();
    if (cpus != null) {
      cmd.addAll(List.of("taskset", "-c", cpus));
    }
    cmd.addAll(List.of("wrk", "-t1", "-c" + connections, "-d" + seconds + "s"));
    cmd.add("--latency");
    cmd.add("--timeout");
    cmd.add("5s");
    headers.forEach((k, v) -> cmd.addAll(List.of("-H", k + ": " + v)));
    cmd.add("-s");
    cmd.add(combined(script).toString());
    cmd.add(url);
    if (!scriptArgs.isEmpty()) {
      cmd.add("--");
      cmd.addAll(scriptArgs);
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    MemorySampler sampler = watch == null ? null : MemorySampler.start(watch);
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("wrk did not finish: " + cmd);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      if (sampler != null) {
        sampler.stop();
      }
    }
    int at = out.indexOf(MARKER);
    if (at < 0) {
      throw new IllegalStateException(
          "wrk printed no result (exit " + p.exitValue() + "):\n" + out);
    }
    int end = out.indexOf('\n', at);
    JsonObject r =
        new JsonObject(out.substring(at + MARKER.length(), end < 0 ? out.length() : end));
    long requests = r.getLong("requests");
    double secondsRun = r.getLong("duration_us") / 1e6;
    long errors =
        r.getLong("connect")
            + r.getLong("read")
            + r.getLong("write")
            + r.getLong("status")
            + r.getLong("timeout");
    return new LoadResult(
        requests / secondsRun,
        r.getLong("p50_us") / 1000.0,
        r.getLong("p90_us") / 1000.0,
        r.getLong("p99_us") / 1000.0,
        r.getLong("max_us") / 1000.0,
        requests,
        errors,
        sampler == null ? -1 : sampler.maxRssKb());
  }

  private Path combined(String script) throws IOException {
    String name = script == null ? "fixed-request.lua" : script;
    Path out = workDir.resolve("wrk-" + name);
    String body = script == null ? "" : Files.readString(scriptDir.resolve(script)) + "\n";
    Files.writeString(out, body + Files.readString(scriptDir.resolve("report.lua")));
    return out;
  }

  /** Samples a process's VmRSS every 200 ms on a daemon thread. */
  static final class MemorySampler {
    private final ChildProcess process;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long max = -1;

    private MemorySampler(ChildProcess process) {
      this.process = process;
      this.thread = new Thread(this::loop, "rss-sampler");
      thread.setDaemon(true);
    }

    static MemorySampler start(ChildProcess process) {
      MemorySampler s = new MemorySampler(process);
      s.thread.start();
      return s;
    }

    private void loop() {
      while (running) {
        max = Math.max(max, Memory.of(process.pid()).rssKb());
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stop() {
      running = false;
      thread.interrupt();
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      max = Math.max(max, Memory.of(process.pid()).rssKb());
    }

    long maxRssKb() {
      return max;
    }
  }
}
