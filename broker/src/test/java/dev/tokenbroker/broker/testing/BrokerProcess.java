package dev.tokenbroker.broker.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker as operators run it: {@code Main --config FILE} in its own JVM (the test classpath),
 * its output collected line by line, stopped with SIGTERM.
 */
public final class BrokerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final Process process;
  private final Thread reader;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private BrokerProcess(Process process) {
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException ignored) {
                // the process ended
              }
            },
            "broker-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts the broker with {@code config}, the environment plus {@code env}, and JVM flags. */
  public static BrokerProcess start(Path config, Map<String, String> env, String... jvmFlags)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmFlags));
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.tokenbroker.broker.Main",
            "--config",
            config.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    return new BrokerProcess(pb.start());
  }

  /** The HTTP port from the start-up log, waiting up to 30 s for it. */
  public int port() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && process.isAlive()) {
      for (String l : lines) {
        Matcher m = LISTENING.matcher(l);
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("the broker did not start: " + lines);
  }

  /** Everything the process printed so far, one entry per line. */
  public List<String> lines() {
    return lines;
  }

  /**
   * SIGTERM (through the process handle: {@code Process.destroy()} would also close our end of its
   * output), waits up to 15 s, and returns the exit status.
   */
  public int stop() throws InterruptedException {
    process.toHandle().destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the broker did not stop within 15 s of SIGTERM");
    }
    reader.join(5_000);
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
