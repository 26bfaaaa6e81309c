package dev.tokenbroker.broker.testing;

import dev.tokenbroker.testing.ChildProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The broker as operators run it: {@code Main --config FILE} in its own JVM (the test classpath),
 * its output in a log file next to the config, stopped with SIGTERM.
 */
public final class BrokerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  private final ChildProcess child;

  private BrokerProcess(ChildProcess child) {
    this.child = child;
  }

  /** Starts the broker with {@code config}, the environment plus {@code env}, and JVM flags. */
  public static BrokerProcess start(Path config, Map<String, String> env, String... jvmFlags) {
    List<String> args = new ArrayList<>(List.of(jvmFlags));
    args.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.tokenbroker.broker.Main",
            "--config",
            config.toString()));
    Path log = config.resolveSibling(config.getFileName() + ".log");
    return new BrokerProcess(
        ChildProcess.java("broker", args).env(env).log(log).closeGrace(STOP_GRACE).start());
  }

  /** The HTTP port from the start-up log, waiting up to 30 s for it. */
  public int port() {
    try {
      return Integer.parseInt(child.awaitLine(LISTENING, Duration.ofSeconds(30)).group(1));
    } catch (IllegalStateException e) {
      throw new AssertionError("the broker did not start: " + e.getMessage(), e);
    }
  }

  /** Everything the process printed so far, one entry per line. */
  public List<String> lines() {
    return child.lines();
  }

  /** SIGTERM, waits up to 15 s, and returns the exit status. */
  public int stop() {
    if (!child.terminate(STOP_GRACE)) {
      throw new AssertionError("the broker did not stop within 15 s of SIGTERM");
    }
    return child.exitValue();
  }

  @Override
  public void close() {
    child.close();
  }
}
