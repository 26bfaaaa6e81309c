package dev.tokenbroker.e2e;

import dev.tokenbroker.testing.ChildProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One of our runnable jars ({@code java -jar JAR --config FILE}) in its own JVM. {@link #start}
 * returns once the process has printed {@code listening on http://127.0.0.1:PORT}; everything it
 * prints goes to a log file. {@link #close()} stops the process tree.
 */
final class ChildJvm implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Duration START_DEADLINE = Duration.ofSeconds(60);

  private final ChildProcess child;
  private final int port;

  private ChildJvm(ChildProcess child, int port) {
    this.child = child;
    this.port = port;
  }

  /**
   * Starts {@code jar} with {@code --config config}, the test JVM's environment plus {@code env},
   * and waits until it says where it listens.
   */
  static ChildJvm start(String name, Path jar, Path config, Map<String, String> env, Path logFile) {
    ChildProcess child =
        ChildProcess.java(
                name, List.of("-Xmx256m", "-jar", jar.toString(), "--config", config.toString()))
            .env(env)
            .log(logFile)
            .start();
    try {
      return new ChildJvm(
          child, Integer.parseInt(child.awaitLine(LISTENING, START_DEADLINE).group(1)));
    } catch (RuntimeException e) {
      child.close();
      throw e;
    }
  }

  /** {@code http://127.0.0.1:PORT}, as printed by the process. */
  String baseUri() {
    return "http://127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  Path logFile() {
    return child.log();
  }

  @Override
  public void close() {
    child.close();
  }

  @Override
  public String toString() {
    return child.toString();
  }
}
