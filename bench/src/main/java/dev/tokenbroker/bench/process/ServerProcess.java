package dev.tokenbroker.bench.process;

import dev.tokenbroker.bench.servers.BaselineServer;
import dev.tokenbroker.bench.servers.PlainJwtServer;
import dev.tokenbroker.testing.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A child HTTP server that prints {@code listening on http://127.0.0.1:PORT}: students-rs, the
 * baseline server, the plain {@code JWTAuthHandler} server.
 */
public final class ServerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final ChildProcess child;
  private final int port;

  private ServerProcess(ChildProcess child) {
    this.child = child;
    try {
      this.port = Integer.parseInt(child.awaitLine(LISTENING, Duration.ofSeconds(60)).group(1));
    } catch (RuntimeException e) {
      child.close();
      throw e;
    }
  }

  /**
   * students-rs validating tokens of {@code issuer}, or with {@code authEnabled: false} when null.
   */
  public static ServerProcess studentsRs(Launcher l, String name, JvmFlags flags, String issuer)
      throws IOException {
    // BENCH_STUDENTS_INSTANCES: http.instances of both students-rs servers (default: theirs).
    String instances = System.getenv().getOrDefault("BENCH_STUDENTS_INSTANCES", "").trim();
    String http = studentsHttp(instances.isEmpty() ? 0 : Integer.parseInt(instances));
    String yaml =
        issuer == null
            ? http + "authEnabled: false\n"
            : http
                + "issuer: \""
                + issuer
                + "\"\naudience: \""
                + BrokerProcess.STUDENTS_API
                + "\"\n";
    Path config = l.workDir().resolve(name + ".yaml");
    Files.writeString(config, yaml);
    return new ServerProcess(
        l.startJar(name, flags, l.studentsJar(), List.of("--config", config.toString())));
  }

  /** students-rs's {@code http} line: loopback, a free port, {@code instances} when > 0. */
  private static String studentsHttp(int instances) {
    return "http: {host: 127.0.0.1, port: 0"
        + (instances > 0 ? ", instances: " + instances : "")
        + "}\n";
  }

  /**
   * students-rs for the scaling section: its token cache off, {@code instances} HTTP verticles
   * ({@code http.instances}; left out when {@code instances} is 0), started under {@code taskset -c
   * cpus}.
   */
  public static ServerProcess studentsRsPinned(
      Launcher l, String name, JvmFlags flags, String issuer, String cpus, int instances)
      throws IOException {
    String yaml =
        studentsHttp(instances)
            + "issuer: \""
            + issuer
            + "\"\naudience: \""
            + BrokerProcess.STUDENTS_API
            + "\"\ntokenCache: {maxEntries: 0}\n";
    Path config = l.workDir().resolve(name + ".yaml");
    Files.writeString(config, yaml);
    List<String> cmd = new java.util.ArrayList<>(List.of("taskset", "-c", cpus, flags.java()));
    cmd.addAll(flags.args());
    cmd.addAll(List.of("-jar", l.studentsJar().toString(), "--config", config.toString()));
    return new ServerProcess(l.start(name, cmd, flags.env()));
  }

  /**
   * The Spring Boot resource server ({@code bench/spring-peer}): {@code NimbusJwtDecoder} with the
   * IdP's JWKS URI, issuer and audience checked, {@code GET /students} needing {@code
   * SCOPE_read:students}.
   */
  public static ServerProcess springPeer(
      Launcher l, String name, JvmFlags flags, String issuer, String jwksUri) throws IOException {
    if (!Files.exists(l.springPeerJar())) {
      throw new IllegalStateException(
          l.springPeerJar()
              + " is missing (run.sh builds it with mvn -f bench/spring-peer/pom.xml)");
    }
    return new ServerProcess(
        l.startJar(
            name,
            flags,
            l.springPeerJar(),
            List.of(
                "--spring.security.oauth2.resourceserver.jwt.jwk-set-uri=" + jwksUri,
                "--spring.security.oauth2.resourceserver.jwt.issuer-uri=" + issuer,
                "--spring.security.oauth2.resourceserver.jwt.audiences="
                    + BrokerProcess.STUDENTS_API)));
  }

  /**
   * The bare Vert.x server answering {@code body}'s bytes, with a TCP bridge on {@code bridgePort}.
   */
  public static ServerProcess baseline(
      Launcher l, String name, JvmFlags flags, Path body, int bridgePort) throws IOException {
    return new ServerProcess(
        l.startMain(
            name,
            flags,
            BaselineServer.class.getName(),
            List.of("--body", body.toString(), "--bridge-port", Integer.toString(bridgePort))));
  }

  /** The plain vertx-auth-jwt set-up for {@code GET /students}. */
  public static ServerProcess plainJwt(
      Launcher l, String name, JvmFlags flags, String issuer, String jwksUri) throws IOException {
    return new ServerProcess(
        l.startMain(
            name,
            flags,
            PlainJwtServer.class.getName(),
            List.of(
                "--issuer",
                issuer,
                "--audience",
                BrokerProcess.STUDENTS_API,
                "--jwks-uri",
                jwksUri)));
  }

  public ChildProcess child() {
    return child;
  }

  public int port() {
    return port;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    child.close();
  }
}
