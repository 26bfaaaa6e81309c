package dev.tokenbroker.students;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.ChildProcess;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

  /** Starts the jar; stdout goes to {@code out}, stderr to {@code out.err}. */
  private static ChildProcess launch(Path config, Path out) {
    String jar = System.getProperty("students.jar", "target/students-rs.jar");
    return ChildProcess.java(
            "students-rs", List.of("-Xmx128m", "-jar", jar, "--config", config.toString()))
        .log(out)
        .stderr(out.resolveSibling(out.getFileName() + ".err"))
        .start();
  }

  /** Waits up to 30 s for a line matching {@code pattern}; returns it. */
  private static String await(ChildProcess process, Pattern pattern) {
    return process.awaitLine(pattern, Duration.ofSeconds(30)).group();
  }

  @Test
  void badConfigurationExitsWithStatus2() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), "issuer: https://idp.example/\n");
    try (ChildProcess process = launch(config, dir.resolve("bad.out"))) {
      assertTrue(process.waitFor(Duration.ofSeconds(30)));
      assertEquals(2, process.exitValue());
    }
    String err = Files.readString(dir.resolve("bad.out.err"), StandardCharsets.UTF_8);
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
    try (ChildProcess process = launch(Files.writeString(dir.resolve("good.yaml"), yaml), out)) {
      Matcher m = LISTENING.matcher(await(process, LISTENING));
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
      await(process, Pattern.compile("GET /students status=200 .* client=client-123"));

      // Main turns Vert.x metrics on into the registry /metrics serves.
      String metrics =
          Await.result(client.get(port, "127.0.0.1", "/metrics").send()).bodyAsString();
      assertTrue(metrics.contains("students_rs_requests_total{status=\"200\"} 1.0"), metrics);
      assertTrue(
          metrics.contains("vertx_http_server_requests_total{code=\"200\",method=\"GET\"}"),
          metrics);
      assertFalse(metrics.contains(token.split("\\.")[1]), "token in /metrics");

      assertTrue(process.terminate(Duration.ofSeconds(20)), "stopped within 20 s of SIGTERM");
      assertEquals(143, process.exitValue());
      await(process, Pattern.compile("\"message\":\"stopped\""));
      assertFalse(Files.readString(out).contains(token.split("\\.")[1]), "token logged");
    }
  }
}
