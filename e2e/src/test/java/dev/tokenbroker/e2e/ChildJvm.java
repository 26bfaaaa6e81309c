package dev.tokenbroker.e2e;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of our runnable jars ({@code java -jar JAR --config FILE}) in its own JVM. {@link #start}
 * returns once the process has printed {@code listening on http://127.0.0.1:PORT}; everything it
 * prints is copied to a log file. {@link #close()} stops the process tree.
 */
final class ChildJvm implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Duration START_DEADLINE = Duration.ofSeconds(60);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Thread jvmExitHook;
  private final Path logFile;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();

  private ChildJvm(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.jvmExitHook = ProcessTree.killOnJvmExit(process);
    this.logFile = logFile;
  }

  /**
   * Starts {@code jar} with {@code --config config}, the test JVM's environment plus {@code env},
   * and waits until it says where it listens.
   */
  static ChildJvm start(String name, Path jar, Path config, Map<String, String> env, Path logFile) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-Xmx256m",
                    "-jar",
                    jar.toString(),
                    "--config",
                    config.toString()))
            .redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process;
    try {
      Files.createDirectories(logFile.getParent());
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " from " + jar, e);
    }
    ChildJvm child = new ChildJvm(name, process, logFile);
    Thread pump = new Thread(child::copyOutput, name + "-output");
    pump.setDaemon(true);
    pump.start();
    try {
      child.port.get(START_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      child.close();
      throw new IllegalStateException("interrupted while starting " + name, e);
    } catch (ExecutionException e) {
      child.close();
      throw new IllegalStateException(
          name + " exited before it was listening; " + child.logTail(), e.getCause());
    } catch (TimeoutException e) {
      child.close();
      throw new IllegalStateException(
          name + " printed no port within " + START_DEADLINE.toSeconds() + " s; " + child.logTail(),
          e);
    }
    return child;
  }

  private void copyOutput() {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        BufferedWriter log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        log.write(line);
        log.newLine();
        log.flush();
        Matcher m = LISTENING.matcher(line);
        if (!port.isDone() && m.find()) {
          port.complete(Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException e) {
      port.completeExceptionally(e);
    } finally {
      port.completeExceptionally(
          new IllegalStateException(name + " exited before it was listening"));
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return "last lines of "
          + logFile
          + ":\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "see " + logFile;
    }
  }

  /** {@code http://127.0.0.1:PORT}, as printed by the process. */
  String baseUri() {
    return "http://127.0.0.1:" + port.join();
  }

  int port() {
    return port.join();
  }

  Path logFile() {
    return logFile;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      ProcessTree.stop(process, STOP_GRACE);
    }
    ProcessTree.forgetJvmExitHook(jvmExitHook);
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ", log " + logFile + ")";
  }
}
