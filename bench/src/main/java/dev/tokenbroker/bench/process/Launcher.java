package dev.tokenbroker.bench.process;

import dev.tokenbroker.testing.ChildProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the child JVMs of a benchmark run and talks to them over plain HTTP (start-up probes,
 * one-off requests): where the jars, class path and logs are.
 *
 * @param workDir generated configs and data files
 * @param logDir one {@code .log} file per child, and {@code children.pids}
 * @param classpath this module's class path (harness, baseline servers, mock IdP)
 * @param brokerJar the shaded broker jar
 * @param studentsJar the shaded students-rs jar
 */
public record Launcher(
    Path workDir, Path logDir, String classpath, Path brokerJar, Path studentsJar) {

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  /**
   * {@code java FLAGS -jar JAR ARGS}; with {@link JvmFlags#appCds()} the broker's class-data
   * archive is added when it exists (it only fits the broker jar).
   */
  public ChildProcess startJar(String name, JvmFlags flags, Path jar, List<String> args)
      throws IOException {
    return startJar(name, flags, List.of(), jar, args);
  }

  /** {@code java FLAGS EXTRA -jar JAR ARGS}. */
  public ChildProcess startJar(
      String name, JvmFlags flags, List<String> extra, Path jar, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(flags.java()));
    cmd.addAll(flags.args());
    Path archive = archive(flags);
    if (flags.appCds() && jar.equals(brokerJar) && Files.exists(archive) && extra.isEmpty()) {
      cmd.add(
          (flags.archive() == JvmFlags.Archive.AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=")
              + archive);
    }
    cmd.addAll(extra);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    return start(name, cmd, flags.env());
  }

  /** {@code java FLAGS -cp CLASSPATH MAIN ARGS}. */
  public ChildProcess startMain(String name, JvmFlags flags, String mainClass, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(flags.java()));
    cmd.addAll(flags.args());
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(args);
    return start(name, cmd, flags.env());
  }

  /**
   * Starts {@code command} with output to {@code <logDir>/<name>.log} and appends its pid to {@code
   * <logDir>/children.pids}, so {@code run.sh} can end it if the harness itself is killed. Closing
   * it sends SIGTERM, then SIGKILL after five seconds.
   */
  public ChildProcess start(String name, List<String> command, Map<String, String> env)
      throws IOException {
    ChildProcess child =
        ChildProcess.command(name, command)
            .env(env)
            .log(logDir.resolve(name + ".log"))
            .closeGrace(Duration.ofSeconds(5))
            .start();
    Files.writeString(
        logDir.resolve("children.pids"),
        child.pid() + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    return child;
  }

  /**
   * Where the broker's class-data archive for {@code flags} is written: one per flag set, since an
   * archive only fits the JDK, jar and (for the AOT cache) heap layout flags it was made with.
   */
  public Path archive(JvmFlags flags) {
    return workDir.resolve(
        "broker-" + flags.label() + (flags.archive() == JvmFlags.Archive.AOT ? ".aot" : ".jsa"));
  }

  /** The Spring Boot peer server's jar (built by run.sh next to the other jars), maybe absent. */
  public Path springPeerJar() {
    return brokerJar.resolveSibling("spring-peer.jar");
  }

  /**
   * Makes the broker's archive for {@code flags}: runs the broker with {@code
   * -XX:ArchiveClassesAtExit} (AppCDS) or {@code -XX:AOTCacheOutput} (the AOT cache's training run,
   * JDK 25) through {@code exercise} (start, readiness, tokens), then SIGTERM, on which the JVM
   * writes the archive. Returns false (and leaves no archive) when this JVM cannot.
   */
  public boolean createArchive(JvmFlags flags, ThrowingFunction<ChildProcess> exercise) {
    Path out = archive(flags);
    try {
      Files.deleteIfExists(out);
      String flag =
          flags.archive() == JvmFlags.Archive.AOT
              ? "-XX:AOTCacheOutput="
              : "-XX:ArchiveClassesAtExit=";
      try (ChildProcess p = exercise.apply(List.of(flag + out))) {
        // SIGTERM; the archive is dumped during exit (the AOT cache by a sub-process: longer)
        p.terminate(Duration.ofSeconds(90));
      }
      return Files.exists(out);
    } catch (Exception e) {
      return false;
    }
  }

  /** Starts a child with extra JVM arguments and exercises it. */
  @FunctionalInterface
  public interface ThrowingFunction<T> {
    T apply(List<String> extraJvmArgs) throws Exception;
  }

  /** A port free right now on 127.0.0.1 (for children that need it before they start). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  /** Polls {@code url} every 5 ms until it answers {@code status}; false when the time runs out. */
  public boolean awaitStatus(String url, int status, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Response r = get(url, Map.of());
      if (r.status() == status) {
        return true;
      }
      ChildProcess.pause(5);
    }
    return false;
  }

  /** One GET; status -1 when the connection fails. */
  public Response get(String url, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    headers.forEach(b::header);
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Response(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Response(-1, "interrupted");
    }
  }

  /** One form POST with HTTP basic client authentication. */
  public Response postForm(String url, String basicAuth, String form) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Basic " + basicAuth)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    try {
      HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Response(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Response(-1, "interrupted");
    }
  }

  /** A status and body. */
  public record Response(int status, String body) {}
}
