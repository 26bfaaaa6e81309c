package dev.tokenbroker.students;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar as operators run it: exit statuses, the listening line, /metrics, SIGTERM. */
class StudentsJarIT {

  static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  static Vertx vertx;
  static JwksServer idp;

  @TempDir Path dir;

  @BeforeAll
  static void startIdp() {
    vertx = Vertx.vertx();
    idp =
        Await.result(
            new JwksServer().keys(TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256")).start(vertx));
  }

  @AfterAll
  static void stopIdp() {
    Await.result(vertx.close());
  }

  /** Starts the jar with stdout going to {@code out} (a file, read while the process runs). */
  private static Process launch(Path config, Path out) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = System.getProperty("students.jar", "target/students-rs.jar");
    return new ProcessBuilder(java, "-Xmx128m", "-jar", jar, "--config", config.toString())
        .redirectOutput(out.toFile())
        .start();
  }

  /** Waits (polling the log file) for a line matching {@code pattern}; returns it. */
  private static String await(Path out, Pattern pattern) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
        if (pattern.matcher(line).find()) {
          return line;
        }
      }
      Thread.sleep(50); // polling a child process's log file; no event to wait on
    }
    throw new AssertionError("no line matching " + pattern + " in:\n" + Files.readString(out));
  }

  @Test
  void badConfigurationExitsWithStatus2() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), "issuer: https://idp.example/\n");
    Process process = launch(config, dir.resolve("bad.out"));
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, process.exitValue());
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals("config error: audience: required", err.trim());
  }

  @Test
  void servesOnTheLoggedPortAndStopsOnSigterm() throws Exception {
    String yaml =
        String.join(
            "\n",
            List.of(
                "http:",
                "  port: 0",
                "issuer: " + TestTokens.ISSUER,
                "audience: " + TestTokens.AUDIENCE,
                "jwksUri: " + idp.jwksUri(),
                ""));
    Path out = dir.resolve("good.out");
    Process process = launch(Files.writeString(dir.resolve("good.yaml"), yaml), out);
    try {
      Matcher m = LISTENING.matcher(await(out, LISTENING));
      assertTrue(m.find());
      int port = Integer.parseInt(m.group(1));
      String log = Files.readString(out);
      assertTrue(log.contains("config loaded from"), log);
      assertTrue(log.contains("signing keys loaded: 1 usable key(s)"), log);

      WebClient client = WebClient.create(vertx);
      long now = System.currentTimeMillis() / 1000;
      String token = TestTokens.rs256(TestKeys.RSA_A, "key-a", TestTokens.claims(now));
      int status =
          Await.result(
                  client
                      .get(port, "127.0.0.1", "/students")
                      .bearerTokenAuthentication(token)
                      .send())
              .statusCode();
      assertEquals(200, status);
      await(out, Pattern.compile("GET /students status=200 .* client=client-123"));

      // Main turns Vert.x metrics on into the registry /metrics serves.
      String metrics =
          Await.result(client.get(port, "127.0.0.1", "/metrics").send()).bodyAsString();
      assertTrue(metrics.contains("students_rs_requests_total{status=\"200\"} 1.0"), metrics);
      assertTrue(
          metrics.contains("vertx_http_server_requests_total{code=\"200\",method=\"GET\"}"),
          metrics);
      assertFalse(metrics.contains(token.split("\\.")[1]), "token in /metrics");

      process.destroy();
      assertTrue(process.waitFor(20, TimeUnit.SECONDS));
      assertEquals(143, process.exitValue());
      await(out, Pattern.compile("\"message\":\"stopped\""));
      assertFalse(Files.readString(out).contains(token.split("\\.")[1]), "token logged");
    } finally {
      process.destroyForcibly();
    }
  }
}
