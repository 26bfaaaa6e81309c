package dev.tokenbroker.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.BrokerProcess;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker as operators run it: a separate process, a YAML file, secrets from the environment,
 * SIGTERM.
 */
@ExtendWith(VertxExtension.class)
class MainProcessTest {

  @Test
  void startsLogsOneLinePerStepServesTokensAndStopsOnSigterm(Vertx vertx, @TempDir Path dir)
      throws Exception {
    try (TestIdp idp = TestIdp.start(vertx)) {
      Path config = dir.resolve("broker.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: 0}",
              "idp:",
              "  issuer: " + idp.issuer(),
              "  clientId: ${BROKER_CLIENT_ID}",
              "  clientSecret: ${BROKER_CLIENT_SECRET}",
              "eventBus: {tcpBridge: {enabled: false}}",
              "tokens:",
              "  - {audience: https://students-api, scopes: [read:students]}",
              ""));
      BrokerProcess broker =
          BrokerProcess.start(
              config,
              Map.of(
                  "BROKER_CLIENT_ID",
                  TestIdp.CLIENT_ID,
                  "BROKER_CLIENT_SECRET",
                  TestIdp.CLIENT_SECRET));
      int port = broker.port();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      String token = "";
      while (System.nanoTime() < deadline && !token.contains("access_token")) {
        token =
            RawHttp.exchange(
                port,
                "GET /v1/token?audience=https://students-api HTTP/1.1\r\nHost: localhost\r\nToken-Broker-Request: true\r\nConnection: close\r\n\r\n");
      }
      assertTrue(token.startsWith("HTTP/1.1 200"), token);

      int exit = broker.stop();
      List<String> lines = broker.lines();
      String all = String.join("\n", lines);
      for (String step :
          List.of(
              "configuration loaded",
              "IdP client ready",
              "event-bus API registered",
              "HTTP API listening",
              "started in",
              "shutting down",
              "stopped")) {
        assertTrue(all.contains(step), "missing start-up/shut-down step '" + step + "' in\n" + all);
      }
      for (String l : lines) {
        assertTrue(l.startsWith("{") && l.endsWith("}"), "every log line is one JSON object: " + l);
      }
      assertFalse(all.contains(TestIdp.CLIENT_SECRET), "the secret is never logged");
      String accessToken =
          token.substring(token.indexOf("\"access_token\":\"") + 16).split("\"")[0];
      assertFalse(all.contains(accessToken), "the token is never logged");
      assertEquals(143, exit, "exit status of a JVM ended by SIGTERM");
    }
  }

  /**
   * A start that fails (the HTTP port is taken) exits with status 1 promptly. It used to call
   * System.exit on the event loop, which the shutdown hook's vertx.close() needs: a 10 s stall.
   */
  @Test
  void aFailedStartExitsPromptly(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Path config = dir.resolve("broker.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: " + taken.getLocalPort() + "}",
              "idp:",
              "  tokenEndpoint: http://127.0.0.1:9/token",
              "  clientId: broker",
              "  clientSecret: test-only",
              "eventBus: {tcpBridge: {enabled: false}}",
              "tokens:",
              "  - {audience: https://students-api, prefetch: false}",
              ""));
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "dev.tokenbroker.broker.Main",
                  "--config",
                  config.toString())
              .redirectErrorStream(true)
              .start();
      long failedAt = 0;
      StringBuilder out = new StringBuilder();
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          out.append(line).append('\n');
          if (failedAt == 0 && line.contains("start-up failed")) {
            failedAt = System.nanoTime();
          }
        }
      }
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), out.toString());
      long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt);
      assertTrue(failedAt > 0, "no start-up failure logged:\n" + out);
      assertEquals(1, p.exitValue(), out.toString());
      assertTrue(exitMillis < 3_000, "exited " + exitMillis + " ms after the failure:\n" + out);
      assertTrue(out.toString().contains("stopped"), out.toString());
    }
  }
}
