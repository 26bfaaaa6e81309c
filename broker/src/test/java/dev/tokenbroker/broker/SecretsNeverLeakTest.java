package dev.tokenbroker.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.BrokerProcess;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full scenario against the broker process (tokens served, a report of a rejected token, refused
 * requests, an IdP that refuses the client and echoes what it got, health, metrics, the dashboard
 * stream), then everything it logged, every body it answered and the metrics page are searched for
 * the client secret, its Basic encoding and every access token issued.
 */
@ExtendWith(VertxExtension.class)
class SecretsNeverLeakTest {

  private static final Pattern LISTENING =
      Pattern.compile("HTTP API listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern TOKEN = Pattern.compile("\"access_token\":\"([^\"]+)\"");

  @Test
  void noSecretOrTokenInLogsBodiesOrMetrics(Vertx vertx, @TempDir Path dir) throws Exception {
    List<String> issued = new ArrayList<>();
    try (TestIdp idp = TestIdp.start(vertx)) {
      Path config = dir.resolve("broker.yaml");
      Files.writeString(
          config,
          String.join(
              "\n",
              "http: {host: 127.0.0.1, port: 0}",
              "idp:",
              "  tokenEndpoint: " + idp.tokenEndpoint(),
              "  clientId: " + TestIdp.CLIENT_ID,
              "  clientSecret: ${BROKER_CLIENT_SECRET}",
              "eventBus: {tcpBridge: {enabled: false}}",
              "cache: {invalidateMinIntervalSeconds: 0}",
              "retry: {minBackoffMillis: 50, maxBackoffMillis: 100}",
              "tokens:",
              "  - {audience: https://students-api, scopes: [read:students]}",
              ""));
      BrokerProcess broker =
          BrokerProcess.start(config, Map.of("BROKER_CLIENT_SECRET", TestIdp.CLIENT_SECRET));
      List<String> bodies = new ArrayList<>();
      try {
        int port = broker.port();
        String ok =
            "/v1/token?audience="
                + URLEncoder.encode("https://students-api", StandardCharsets.UTF_8);
        String first = poll(port, ok, "200");
        bodies.add(first);
        issued.add(token(first));

        // A consumer reports the token as rejected; the IdP now refuses the client and echoes it.
        idp.proxy()
            .override(
                req ->
                    req.response()
                        .setStatusCode(401)
                        .putHeader("Content-Type", "application/json")
                        .end(
                            new JsonObject()
                                .put("error", "invalid_client")
                                .put("error_description", "bad client " + TestIdp.CLIENT_ID)
                                .encode()));
        String body =
            new JsonObject()
                .put("audience", "https://students-api")
                .put("scope", "read:students")
                .put("access_token", issued.get(0))
                .encode();
        bodies.add(
            RawHttp.exchange(
                port,
                "POST /v1/token/invalidate HTTP/1.1\r\nHost: 127.0.0.1\r\nToken-Broker-Request: true\r\nX-Request-Id: req-42\r\n"
                    + "Content-Type: application/json\r\nContent-Length: "
                    + body.length()
                    + "\r\nConnection: close\r\n\r\n"
                    + body));
        bodies.add(poll(port, ok, "502"));
        bodies.add(get(port, "/v1/token?audience=https://other-api", true));
        bodies.add(get(port, ok, false));
        bodies.add(get(port, "/v1/token?audience=" + "%00", true));
        bodies.add(get(port, "/health/ready", false));
        bodies.add(get(port, "/metrics", false));
        bodies.add(firstEvent(port));
        idp.proxy().override(null);
        String second = poll(port, ok, "200");
        bodies.add(second);
        issued.add(token(second));
      } finally {
        broker.stop();
      }
      List<String> log = broker.lines();
      assertEquals(2, issued.size());
      String basic =
          Base64.getEncoder()
              .encodeToString(
                  (URLEncoder.encode(TestIdp.CLIENT_ID, StandardCharsets.UTF_8)
                          + ":"
                          + URLEncoder.encode(TestIdp.CLIENT_SECRET, StandardCharsets.UTF_8))
                      .getBytes(StandardCharsets.UTF_8));
      String everything = String.join("\n", log) + "\n" + String.join("\n", bodies);
      assertTrue(everything.contains("invalid_client"), "the scenario did hit the IdP refusal");
      assertTrue(
          log.stream()
              .anyMatch(
                  l -> l.contains("reported rejected") && l.contains("\"request_id\":\"req-42\"")),
          "the request-driven log line carries the request id");
      assertTrue(
          everything.contains("token_broker_token_requests_total"), "the metrics page was read");
      for (String secret :
          List.of(
              TestIdp.CLIENT_SECRET,
              basic,
              URLEncoder.encode(TestIdp.CLIENT_SECRET, StandardCharsets.UTF_8))) {
        assertFalse(everything.contains(secret), "the client secret leaked");
      }
      String logsAndOthers =
          String.join("\n", log) + "\n" + String.join("\n", bodies.subList(1, bodies.size() - 1));
      for (String t : issued) {
        assertFalse(logsAndOthers.contains(t), "an access token leaked outside a token response");
        assertFalse(
            String.join("\n", log).contains(t.substring(t.lastIndexOf('.') + 1)),
            "a token signature was logged");
      }
    }
  }

  private static String get(int port, String target, boolean header) throws Exception {
    return RawHttp.exchange(
        port,
        "GET "
            + target
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + (header ? "Token-Broker-Request: true\r\n" : "")
            + "Connection: close\r\n\r\n");
  }

  private static String poll(int port, String target, String status) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String last = "";
    while (System.nanoTime() < deadline) {
      last = get(port, target, true);
      if (last.startsWith("HTTP/1.1 " + status)) {
        return last;
      }
    }
    throw new AssertionError("never " + status + ": " + last);
  }

  private static String firstEvent(int port) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "GET /dashboard/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      StringBuilder sb = new StringBuilder();
      byte[] buf = new byte[4096];
      while (!sb.toString().contains("\n\n") || !sb.toString().contains("data:")) {
        int n = s.getInputStream().read(buf);
        if (n < 0) {
          break;
        }
        sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
      assertTrue(sb.toString().contains("event: snapshot"), sb.toString());
      return sb.toString();
    }
  }

  private static String token(String response) {
    Matcher m = TOKEN.matcher(response);
    assertTrue(m.find(), response);
    return m.group(1);
  }
}
