package dev.tokenbroker.testing;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process a test or the benchmark harness starts: a child JVM of ours, Keycloak, Prometheus,
 * Chromium, a shell script. Its output (stdout and stderr together, unless {@link
 * Spec#stderr(Path)}) goes straight to a log file, written by the child itself (no pump thread in
 * this JVM), which {@link #awaitLine} and {@link #lines()} read. {@link #close()} stops the whole
 * process tree: SIGTERM to the process and its descendants, then SIGKILL after a grace period. A
 * shutdown hook kills every tree still running when this JVM exits (a timeout, Ctrl-C), so no child
 * outlives the build.
 */
public final class ChildProcess implements AutoCloseable {

  private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();
  private static final long POLL_MILLIS = 5;

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(ChildProcess::kill), "kill-child-processes"));
  }

  private final String name;
  private final Process process;
  private final Path log;
  private final Duration closeGrace;
  private final long startedNanos;

  private ChildProcess(String name, Process process, Path log, Duration grace, long started) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.closeGrace = grace;
    this.startedNanos = started;
  }

  /** What to start; {@link Spec#start()} starts it. */
  public static Spec command(String name, List<String> command) {
    return new Spec(name, command);
  }

  /** {@code java JVM_ARGS…} with the JDK running this JVM (add {@code -jar …} or a main class). */
  public static Spec java(String name, List<String> jvmArgsAndMain) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable().toString());
    command.addAll(jvmArgsAndMain);
    return new Spec(name, command);
  }

  /** The {@code java} launcher of the JDK running this JVM. */
  public static Path javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** The parts of a launch; every setter returns this. */
  public static final class Spec {
    private final String name;
    private final List<String> command;
    private final Map<String, String> env = new HashMap<>();
    private final List<Predicate<String>> removeEnv = new ArrayList<>();
    private Path directory;
    private Path log;
    private Path stderr;
    private Duration closeGrace = Duration.ofSeconds(10);

    private Spec(String name, List<String> command) {
      this.name = name;
      this.command = List.copyOf(command);
    }

    /** Adds to (or overrides in) the environment inherited from this JVM. */
    public Spec env(Map<String, String> variables) {
      env.putAll(variables);
      return this;
    }

    /** Removes inherited variables whose name matches (applied before {@link #env}). */
    public Spec withoutEnv(Predicate<String> names) {
      removeEnv.add(names);
      return this;
    }

    public Spec directory(Path dir) {
      this.directory = dir;
      return this;
    }

    /** The output file (created with its folders; replaced); default a temporary file. */
    public Spec log(Path file) {
      this.log = file;
      return this;
    }

    /** Sends stderr to its own file instead of the log. */
    public Spec stderr(Path file) {
      this.stderr = file;
      return this;
    }

    /** How long {@link ChildProcess#close()} waits after SIGTERM before SIGKILL (default 10 s). */
    public Spec closeGrace(Duration grace) {
      this.closeGrace = grace;
      return this;
    }

    /** Starts the process; {@link ChildProcess#startedNanos()} is taken just before the fork. */
    public ChildProcess start() {
      try {
        Path out = log != null ? log : Files.createTempFile(name + "-", ".log");
        if (log == null) {
          out.toFile().deleteOnExit();
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        ProcessBuilder pb =
            new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (stderr != null) {
          Files.createDirectories(stderr.toAbsolutePath().getParent());
          pb.redirectError(stderr.toFile());
        } else {
          pb.redirectErrorStream(true);
        }
        if (directory != null) {
          pb.directory(directory.toFile());
        }
        removeEnv.forEach(p -> pb.environment().keySet().removeIf(p));
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        ChildProcess child = new ChildProcess(name, pb.start(), out, closeGrace, t0);
        RUNNING.add(child);
        return child;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + name + ": " + command, e);
      }
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** {@link System#nanoTime()} just before the fork. */
  public long startedNanos() {
    return startedNanos;
  }

  /** The file the output goes to. */
  public Path log() {
    return log;
  }

  /** The process itself (its pipes are redirected to files). */
  public Process process() {
    return process;
  }

  /** The exit status; fails while the process runs. */
  public int exitValue() {
    return process.exitValue();
  }

  /** Waits up to {@code timeout} for the process to end by itself; true if it did. */
  public boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + name, e);
    }
  }

  /**
   * Waits for an output line (from the start) matching {@code pattern}, reading the log as it
   * grows.
   *
   * @throws IllegalStateException when the process exits or the time runs out first, with the tail
   *     of its output
   */
  public Matcher awaitLine(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long offset = 0;
    StringBuilder pending = new StringBuilder();
    while (true) {
      boolean exited = !process.isAlive(); // read after: lines printed before exit are seen
      try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
        while (f.length() > offset) {
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
      if (exited) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + " before printing " + pattern + tail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name + " did not print " + pattern + " within " + timeout + tail());
      }
      pause(POLL_MILLIS); // polling a file the child writes: there is no event to wait on
    }
  }

  /** Everything printed so far, one entry per line. */
  public List<String> lines() {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last lines of the output, headed by the log's path, for failure messages. */
  public String tail() {
    return "\n--- last lines of " + log + " ---\n" + tail(20);
  }

  /** The last {@code n} lines of the output. */
  public String tail(int n) {
    try {
      List<String> lines = lines();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (RuntimeException e) {
      return "(no output: " + e + ")";
    }
  }

  /**
   * SIGTERM to the process and its descendants (listed first: once the parent is gone they are
   * re-parented and no longer found), waits up to {@code grace} for the process to exit, then
   * SIGKILLs whatever of the tree is left. True if the process exited within the grace period.
   */
  public boolean terminate(Duration grace) {
    RUNNING.remove(this);
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.toHandle().destroy();
    boolean exited = false;
    try {
      exited = process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
      if (process.isAlive()) {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(5));
      }
    }
    return exited;
  }

  /** {@link #terminate} with the spec's grace period, if still running; safe to call twice. */
  @Override
  public void close() {
    if (process.isAlive()) {
      terminate(closeGrace);
    }
    RUNNING.remove(this);
  }

  private void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** Sleeps, for pollers of files and processes; an interrupt becomes an unchecked exception. */
  public static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ", log " + log + ")";
  }
}
