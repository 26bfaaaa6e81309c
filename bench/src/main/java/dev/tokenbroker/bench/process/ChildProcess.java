package dev.tokenbroker.bench.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process the harness started: output (stdout and stderr together) goes to {@code
 * <logDir>/<name>.log}, its pid is appended to {@code <logDir>/children.pids} so {@code run.sh} can
 * end it if the harness itself is killed, and a shutdown hook ends every child still running.
 */
public final class ChildProcess implements AutoCloseable {

  private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> RUNNING.forEach(ChildProcess::close), "bench-children"));
  }

  private final String name;
  private final Process process;
  private final Path log;
  private final long startedNanos;

  private ChildProcess(String name, Process process, Path log, long startedNanos) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startedNanos = startedNanos;
  }

  /** Starts {@code command}; {@link #startedNanos()} is taken just before the fork. */
  public static ChildProcess start(
      String name, List<String> command, Map<String, String> env, Path logDir) throws IOException {
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    ChildProcess child = new ChildProcess(name, p, log, t0);
    RUNNING.add(child);
    Files.writeString(
        logDir.resolve("children.pids"),
        p.pid() + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    return child;
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public long startedNanos() {
    return startedNanos;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for an output line matching {@code pattern}.
   *
   * @throws IllegalStateException when the process exits or the time runs out first, with the tail
   *     of its output
   */
  public Matcher awaitLine(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long offset = 0;
    StringBuilder pending = new StringBuilder();
    while (true) {
      try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
        if (f.length() > offset) {
          f.seek(offset);
          byte[] chunk = new byte[(int) Math.min(f.length() - offset, 1 << 20)];
          f.readFully(chunk);
          offset += chunk.length;
          pending.append(new String(chunk, StandardCharsets.UTF_8));
          int nl;
          while ((nl = pending.indexOf("\n")) >= 0) {
            Matcher m = pattern.matcher(pending.substring(0, nl));
            pending.delete(0, nl + 1);
            if (m.find()) {
              return m;
            }
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(name + ": cannot read " + log, e);
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + " before printing " + pattern + tail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not print " + pattern + " in time" + tail());
      }
      sleep(5);
    }
  }

  /** The last lines of the output, for error messages. */
  public String tail() {
    return "\n--- last lines of " + log + " ---\n" + tail(15);
  }

  /** The last {@code n} lines of the output. */
  public String tail(int n) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(
          "\n", new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size())));
    } catch (IOException | RuntimeException e) {
      return "(no output: " + e + ")";
    }
  }

  /** {@code VmRSS} and {@code VmHWM} (peak) from {@code /proc/PID/status}, in kB. */
  public Memory memory() {
    return Memory.of(pid());
  }

  /** SIGTERM, then SIGKILL after five seconds. */
  @Override
  public void close() {
    RUNNING.remove(this);
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Resident memory of a process. */
  public record Memory(long rssKb, long peakRssKb) {

    static Memory of(long pid) {
      try {
        long rss = -1;
        long hwm = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmRSS:")) {
            rss = kb(line);
          } else if (line.startsWith("VmHWM:")) {
            hwm = kb(line);
          }
        }
        return new Memory(rss, hwm);
      } catch (IOException e) {
        return new Memory(-1, -1);
      }
    }

    private static long kb(String line) {
      Matcher m = Pattern.compile("(\\d+)").matcher(line);
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    public double rssMb() {
      return rssKb / 1024.0;
    }

    public double peakRssMb() {
      return peakRssKb / 1024.0;
    }
  }
}
