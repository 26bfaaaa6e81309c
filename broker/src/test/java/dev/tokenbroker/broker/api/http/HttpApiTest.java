package dev.tokenbroker.broker.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.RunningBroker.Answer;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP API over real sockets: answers, anti-SSRF checks, input validation, health. */
@ExtendWith(VertxExtension.class)
class HttpApiTest {

  private static final String OK_URI =
      "/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents";
  private static TestIdp idp;
  private static RunningBroker broker;
  private static int callsAfterStart;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = TestIdp.start(vertx);
    Events events = new Events();
    broker = RunningBroker.deploy(vertx, idp.brokerConfig(), Clock.systemUTC(), true, events);
    events.nextRefresh();
    // warm the on-demand key used by the tests, then count from here
    assertEquals(200, broker.getToken(OK_URI).await().status());
    callsAfterStart = idp.proxy().tokenRequests();
  }

  @AfterAll
  static void stop() throws Exception {
    broker.undeploy();
    idp.close();
  }

  private static void assertNoNewIdpCalls() {
    assertEquals(callsAfterStart, idp.proxy().tokenRequests(), "refusals never reach the IdP");
  }

  @Test
  void aWarmTokenIsServedWithTheDocumentedShape() {
    long now = System.currentTimeMillis() / 1000;
    Answer a = broker.getToken(OK_URI).await();
    assertEquals(200, a.status());
    assertEquals("no-store", a.headers().get("Cache-Control"));
    assertEquals("application/json", a.headers().get("Content-Type"));
    JsonObject json = a.json();
    assertEquals(
        List.of("access_token", "token_type", "expires_in", "expires_at", "scope"),
        List.copyOf(json.fieldNames()));
    assertEquals("Bearer", json.getString("token_type"));
    assertEquals("read:students", json.getString("scope"));
    long expiresIn = json.getLong("expires_in");
    assertTrue(expiresIn > 3500 && expiresIn <= 3600, "expires_in " + expiresIn);
    assertTrue(Math.abs(json.getLong("expires_at") - (now + expiresIn)) <= 2);
    assertNoNewIdpCalls();
  }

  @Test
  void withoutTheHeaderNoToken() {
    Answer a = broker.get(OK_URI);
    assertEquals(403, a.status());
    assertEquals("access_denied", a.json().getString("error"));
    assertEquals(403, broker.get(OK_URI, "Token-Broker-Request", "false").status());
    assertEquals(403, broker.get(OK_URI, "Token-Broker-Request", "1").status());
    assertNoNewIdpCalls();
  }

  @ParameterizedTest
  @ValueSource(strings = {"X-Forwarded-For", "Forwarded", "X-Forwarded-Host", "X-Real-IP"})
  void proxiedRequestsGetNoToken(String header) {
    Answer a = broker.get(OK_URI, "Token-Broker-Request", "true", header, "203.0.113.7");
    assertEquals(403, a.status());
    assertTrue(a.json().getString("error_description").contains("proxy"));
    assertTrue(!a.body().toString().contains("access_token"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "evil.example",
        "evil.example:4004",
        "127.0.0.1.evil.example",
        "10.0.0.1",
        "localhost.evil",
        "[::2]"
      })
  void aNonLoopbackHostGetsNoToken(String host) throws Exception {
    // Raw socket: an HTTP client would try to connect to the Host it is given.
    String response =
        RawHttp.exchange(
            broker.port(),
            "GET "
                + OK_URI
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\nToken-Broker-Request: true\r\nConnection: close\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 403 "), host + " -> " + response);
    assertTrue(response.contains("Host header"), response);
    assertTrue(!response.contains("access_token"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "127.0.0.1", "127.1.2.3:80", "[::1]:4004"})
  void loopbackHostsAreAccepted(String host) throws Exception {
    String response =
        RawHttp.exchange(
            broker.port(),
            "GET "
                + OK_URI
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\nToken-Broker-Request: true\r\nConnection: close\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 200 "), host + " -> " + response);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/token",
        "/v1/token?",
        "/v1/token?scope=read:students",
        "/v1/token?audience=",
        "/v1/token?audience=https://students-api&audience=https://students-api",
        "/v1/token?audience=https://students-api&scope=read:students&scope=read:students",
        "/v1/token?audience=https://students-api%00",
        "/v1/token?audience=https://students-api%0Aevil",
        "/v1/token?audience=https://students-api&scope=read:students%0D%0A",
        "/v1/token?audience=https://students-api&scope=%zz",
        "/v1/token?audience=%E0%A4%A",
        "/v1/token?audience=https://students-api&scope=read%22students",
      })
  void badQueriesAre400(String uri) throws Exception {
    String response =
        RawHttp.exchange(
            broker.port(),
            "GET "
                + uri
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nToken-Broker-Request: true\r\nConnection: close\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 400 "), uri + " -> " + response);
    assertTrue(response.contains("\"error\":\"invalid_request\""), response);
    assertNoNewIdpCalls();
  }

  @Test
  void oversizedInputIs400() {
    String scope = "a".repeat(10 * 1024);
    assertEquals(
        400,
        broker.getToken("/v1/token?audience=https://students-api&scope=" + scope).await().status());
    assertEquals(400, broker.getToken("/v1/token?audience=" + "x".repeat(600)).await().status());
    StringBuilder many = new StringBuilder("read:students");
    for (int i = 0; i < 40; i++) {
      many.append("%20s").append(i);
    }
    assertEquals(
        400,
        broker.getToken("/v1/token?audience=https://students-api&scope=" + many).await().status());
    assertNoNewIdpCalls();
  }

  @Test
  void policyRefusalsAre403AndNeverCallTheIdp() {
    Answer a = broker.getToken("/v1/token?audience=https://students-api&scope=admin").await();
    assertEquals(403, a.status());
    assertEquals("access_denied", a.json().getString("error"));
    assertEquals(403, broker.getToken("/v1/token?audience=https://other-api").await().status());
    assertNoNewIdpCalls();
  }

  @Test
  void otherMethodsAndPathsAreJsonErrors() {
    Answer post =
        broker
            .send(
                new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setURI(OK_URI)
                    .putHeader("Token-Broker-Request", "true"),
                Buffer.buffer("x"))
            .await();
    assertEquals(405, post.status());
    assertEquals("GET", post.headers().get("Allow"));
    Answer missing = broker.get("/nope");
    assertEquals(404, missing.status());
    assertEquals("not_found", missing.json().getString("error"));
  }

  @Test
  void healthEndpoints() {
    assertEquals(200, broker.get("/health/live").status());
    Answer ready = broker.get("/health/ready");
    assertEquals(200, ready.status());
    JsonObject json = ready.json();
    assertEquals("UP", json.getString("status"));
    assertEquals("closed", json.getString("breaker"));
    assertTrue(!ready.body().toString().contains("access_token"));
  }

  @Test
  void readinessIsDownUntilPrefetchedTokensAreHeld(Vertx vertx) throws Exception {
    try (TestIdp down = TestIdp.start(vertx)) {
      down.proxy().mode(FaultProxy.Mode.ERROR_500);
      Events events = new Events();
      RunningBroker b =
          RunningBroker.deploy(vertx, down.brokerConfig(), Clock.systemUTC(), true, events);
      events.nextFailure();
      Answer notReady = b.get("/health/ready");
      assertEquals(503, notReady.status());
      JsonObject key = notReady.json().getJsonArray("keys").getJsonObject(0);
      assertEquals(false, key.getBoolean("held"));
      assertEquals(500, key.getJsonObject("last_error").getInteger("http_status"));
      down.proxy().mode(FaultProxy.Mode.PASS);
      events.nextRefresh();
      assertEquals(200, b.get("/health/ready").status());
      b.undeploy();
    }
  }
}
