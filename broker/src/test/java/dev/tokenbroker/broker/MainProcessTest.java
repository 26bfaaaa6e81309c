package dev.tokenbroker.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.BrokerProcess;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
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
}
