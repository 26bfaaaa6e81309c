package dev.tokenbroker.bench.process;

import dev.tokenbroker.testing.ChildProcess;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A broker started from its jar with a generated YAML configuration. */
public final class BrokerProcess implements AutoCloseable {

  public static final String CLIENT_ID = "bench";
  public static final String SCOPE = "read:students";
  public static final String STUDENTS_API = "https://students-api";
  public static final Map<String, String> GUARD_HEADER = Map.of("Token-Broker-Request", "true");

  private static final Pattern LISTENING =
      Pattern.compile("HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern STARTED = Pattern.compile("started in (\\d+) ms");

  private final ChildProcess child;
  private final int httpPort;
  private final int bridgePort;
  private final Launcher launcher;

  private BrokerProcess(Launcher launcher, ChildProcess child, int httpPort, int bridgePort) {
    this.launcher = launcher;
    this.child = child;
    this.httpPort = httpPort;
    this.bridgePort = bridgePort;
  }

  /** One {@code tokens} entry. */
  public record Key(String audience, boolean prefetch) {}

  /**
   * {@code https://students-api} (prefetched) followed by {@code https://api-0} … {@code
   * https://api-(n-1)}, prefetched or not.
   */
  public static List<Key> studentsApiAndNumbered(int n, boolean prefetch) {
    List<Key> keys = new ArrayList<>();
    keys.add(new Key(STUDENTS_API, true));
    for (int i = 0; i < n; i++) {
      keys.add(new Key("https://api-" + i, prefetch));
    }
    return keys;
  }

  /** The {@code GET /v1/token} paths of {@code https://api-0} … {@code https://api-(n-1)}. */
  public static List<String> numberedPaths(int n) {
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      paths.add(tokenPath("https://api-" + i));
    }
    return paths;
  }

  /** Starts the broker and waits for its HTTP API to listen (not for readiness). */
  public static BrokerProcess start(
      Launcher launcher, String name, JvmFlags flags, String tokenEndpoint, List<Key> keys)
      throws IOException {
    return start(launcher, name, flags, List.of(), tokenEndpoint, keys);
  }

  /** The same with extra JVM arguments. */
  public static BrokerProcess start(
      Launcher launcher,
      String name,
      JvmFlags flags,
      List<String> extraJvmArgs,
      String tokenEndpoint,
      List<Key> keys)
      throws IOException {
    int bridgePort = Launcher.freePort();
    StringBuilder yaml = new StringBuilder();
    // The IdP-calls suite opens 1,000 connections at once: above http.limits.maxConnections (256).
    yaml.append("http: {host: 127.0.0.1, port: 0, limits: {maxConnections: 4096}}\n")
        .append("idp: {tokenEndpoint: \"")
        .append(tokenEndpoint)
        .append("\", clientId: ")
        .append(CLIENT_ID)
        .append(", clientSecret: bench-only-secret}\n")
        .append("eventBus: {tcpBridge: {enabled: true, host: 127.0.0.1, port: ")
        .append(bridgePort)
        .append("}}\n")
        .append("cache: {maxKeys: ")
        .append(Math.max(1024, keys.size() + 16))
        .append("}\n")
        .append("tokens:\n");
    for (Key k : keys) {
      yaml.append("  - {audience: \"")
          .append(k.audience())
          .append("\", scopes: [")
          .append(SCOPE)
          .append("], prefetch: ")
          .append(k.prefetch())
          .append("}\n");
    }
    Path config = launcher.workDir().resolve(name + ".yaml");
    Files.writeString(config, yaml);
    ChildProcess child =
        launcher.startJar(
            name,
            flags,
            extraJvmArgs,
            launcher.brokerJar(),
            List.of("--config", config.toString()));
    try {
      Matcher m = child.awaitLine(LISTENING, Duration.ofSeconds(60));
      return new BrokerProcess(launcher, child, Integer.parseInt(m.group(1)), bridgePort);
    } catch (RuntimeException e) {
      child.close();
      throw e;
    }
  }

  /** Waits until {@code /health/ready} answers 200 (every prefetched token held). */
  public void awaitReady(Duration timeout) {
    if (!launcher.awaitStatus(baseUrl() + "/health/ready", 200, timeout)) {
      throw new IllegalStateException(child.name() + " not ready in " + timeout + child.tail());
    }
  }

  /** The broker's own "started in N ms" (from its main method, so without JVM boot). */
  public long selfReportedStartMillis() {
    return Long.parseLong(child.awaitLine(STARTED, Duration.ofSeconds(30)).group(1));
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** The path and query of {@code GET /v1/token} for an audience and {@value #SCOPE}. */
  public static String tokenPath(String audience) {
    return "/v1/token?audience="
        + URLEncoder.encode(audience, StandardCharsets.UTF_8)
        + "&scope="
        + URLEncoder.encode(SCOPE, StandardCharsets.UTF_8);
  }

  public ChildProcess child() {
    return child;
  }

  public int httpPort() {
    return httpPort;
  }

  public int bridgePort() {
    return bridgePort;
  }

  @Override
  public void close() {
    child.close();
  }
}
