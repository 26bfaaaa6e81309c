package dev.tokenbroker.broker.api.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.FaultProxy;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.config.StudentsOptions;
import dev.tokenbroker.students.config.TokenValidatorOptions;
import dev.tokenbroker.testing.MutableClock;
import dev.tokenbroker.testing.RawHttp;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The token-injecting proxy against real sockets: students-rs (validating the mock IdP's JWTs) and
 * a recording fake upstream. IdP calls are counted by the {@link FaultProxy} in front of the IdP.
 */
@ExtendWith(VertxExtension.class)
class TokenProxyTest {

  private static final String TOKEN_URI =
      "/v1/token?audience=https://students-api&scope=read:students";

  record Answer(int status, MultiMap headers, String body) {}

  private MutableClock clock;
  private TestIdp idp;
  private RunningBroker broker;
  private FakeUpstream upstream;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock);
    upstream = FakeUpstream.start(vertx);
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (broker != null) {
      broker.undeploy();
    }
    upstream.close().await();
    client.close().await();
    idp.close();
  }

  static JsonObject proxy(String name, String upstream) {
    return new JsonObject()
        .put("name", name)
        .put("port", 0)
        .put("upstream", upstream)
        .put("audience", TestIdp.AUDIENCE)
        .put("scopes", new JsonArray().add(TestIdp.SCOPE));
  }

  private void deploy(Vertx vertx, JsonObject... proxies) {
    JsonArray list = new JsonArray();
    for (JsonObject p : proxies) {
      list.add(p);
    }
    broker = RunningBroker.deploy(vertx, idp.brokerConfig().put("proxies", list), clock, false);
    broker.settle(); // the prefetch is done: IdP counts below start from here
    warm(broker);
  }

  /**
   * Gets the proxy's key into the cache through {@code GET /v1/token}, retrying while the IdP is
   * slow (a loaded build machine), so the tests measure the proxy and not the first fetch.
   */
  static void warm(RunningBroker broker) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    while (broker.getToken(TOKEN_URI).await().status() != 200) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no token from the test IdP within 60 s");
      }
      broker.settle();
    }
  }

  private int port(String name) {
    return broker.verticle().actualProxyPort(name);
  }

  private Answer call(String name, HttpMethod method, String uri, String body, String... headers) {
    return callAsync(name, method, uri, body, headers).await();
  }

  private io.vertx.core.Future<Answer> callAsync(
      String name, HttpMethod method, String uri, String body, String... headers) {
    RequestOptions ro =
        new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port(name)).setURI(uri);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      ro.addHeader(headers[i], headers[i + 1]);
    }
    return client
        .request(ro)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
        .compose(r -> r.body().map(b -> new Answer(r.statusCode(), r.headers(), b.toString())));
  }

  private String brokerToken() {
    return broker.getToken(TOKEN_URI).await().json().getString("access_token");
  }

  private double count(String name, String outcome) {
    Counter c =
        broker
            .verticle()
            .metrics()
            .registry()
            .find("token_broker_proxy_requests")
            .tags("proxy", name, "outcome", outcome)
            .counter();
    return c == null ? -1 : c.count();
  }

  @Test
  void studentsRsServesThroughTheProxyWithTheInjectedToken(Vertx vertx) {
    StudentsVerticle rs =
        new StudentsVerticle(
            new StudentsOptions()
                .setPort(0)
                .setToken(
                    new TokenValidatorOptions()
                        .setIssuer(idp.issuer())
                        .setAudience(TestIdp.AUDIENCE)));
    vertx.deployVerticle(rs).await();
    deploy(vertx, proxy("students", "http://127.0.0.1:" + rs.actualPort()));

    // The caller's own (bogus) credential would be a 401 at students-rs if it were forwarded.
    Answer a =
        call(
            "students",
            HttpMethod.GET,
            "/students",
            null,
            "Authorization",
            "Bearer not-a-jwt-of-the-caller");

    assertEquals(200, a.status(), a.body());
    assertEquals("[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":\"Alan\"}]", a.body());
    assertEquals(1.0, count("students", "forwarded"));
    // Without the proxy, the caller's header is refused: the 200 above is the injected token's.
    Answer direct =
        client
            .request(HttpMethod.GET, rs.actualPort(), "127.0.0.1", "/students")
            .compose(
                r ->
                    r.putHeader("Authorization", "Bearer not-a-jwt-of-the-caller")
                        .send()
                        .compose(x -> x.body().map(b -> new Answer(x.statusCode(), null, ""))))
            .await();
    assertEquals(401, direct.status());
  }

  @Test
  void callerCredentialsAndHopByHopHeadersAreNeverForwarded(Vertx vertx) throws Exception {
    deploy(vertx, proxy("fake", "http://127.0.0.1:" + upstream.port()));

    // Raw bytes: an HTTP client would set Connection itself.
    String answer =
        RawHttp.exchange(
            port("fake"),
            "GET /students?page=2 HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Authorization: Basic Y2FsbGVyOnNlY3JldA==\r\n"
                + "Authorization: Bearer second-caller-credential\r\n"
                + "Proxy-Authorization: Basic cHJveHk6c2VjcmV0\r\n"
                + "Connection: X-Private-Hop, close\r\n"
                + "X-Private-Hop: do-not-forward\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "TE: trailers\r\n"
                + "Upgrade: websocket\r\n"
                + "X-Kept: kept\r\n"
                + "\r\n");

    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    assertEquals(1, upstream.seen.size());
    FakeUpstream.Seen seen = upstream.seen.get(0);
    assertEquals("/students?page=2", seen.uri());
    assertEquals(List.of("Bearer " + brokerToken()), seen.headers().getAll("Authorization"));
    assertNull(seen.headers().get("Proxy-Authorization"));
    assertNull(seen.headers().get("X-Private-Hop"));
    assertNull(seen.headers().get("Keep-Alive"));
    assertNull(seen.headers().get("TE"));
    assertNull(seen.headers().get("Upgrade"));
    assertEquals("kept", seen.headers().get("X-Kept"));
    assertEquals("127.0.0.1:" + upstream.port(), seen.headers().get("Host"));
  }

  @Test
  void notAnOpenProxyTheOriginIsFixed(Vertx vertx) throws Exception {
    FakeUpstream elsewhere = FakeUpstream.start(vertx);
    try {
      deploy(vertx, proxy("fake", "http://127.0.0.1:" + upstream.port()));
      String other = "127.0.0.1:" + elsewhere.port();

      String absolute =
          RawHttp.exchange(
              port("fake"),
              "GET http://"
                  + other
                  + "/steal?x=1 HTTP/1.1\r\nHost: "
                  + other
                  + "\r\nConnection: close\r\n\r\n");
      String hostOnly =
          RawHttp.exchange(
              port("fake"),
              "GET /other HTTP/1.1\r\nHost: " + other + "\r\nConnection: close\r\n\r\n");
      String connect =
          RawHttp.exchange(
              port("fake"),
              "CONNECT " + other + " HTTP/1.1\r\nHost: " + other + "\r\nConnection: close\r\n\r\n");

      assertTrue(absolute.startsWith("HTTP/1.1 200"), absolute);
      assertTrue(hostOnly.startsWith("HTTP/1.1 200"), hostOnly);
      assertTrue(connect.startsWith("HTTP/1.1 405"), connect);
      assertEquals(0, elsewhere.connections.get(), "no connection to the host the caller named");
      assertEquals(2, upstream.seen.size());
      assertEquals("/steal?x=1", upstream.seen.get(0).uri());
      assertEquals("/other", upstream.seen.get(1).uri());
      for (FakeUpstream.Seen s : upstream.seen) {
        assertEquals("127.0.0.1:" + upstream.port(), s.headers().get("Host"));
        assertNull(s.headers().get("X-Forwarded-Host"));
      }
      assertEquals(1.0, count("fake", "refused"));
    } finally {
      elsewhere.close().await();
    }
  }

  @Test
  void anUpstream401InvalidatesOnceRefreshesOnceAndTheRetrySucceeds(Vertx vertx) {
    deploy(vertx, proxy("fake", "http://127.0.0.1:" + upstream.port()));
    String before = brokerToken();
    int idpCalls = idp.proxy().tokenRequests();
    upstream.answer(n -> n == 1 ? 401 : 200);

    Answer a = call("fake", HttpMethod.GET, "/students", null);

    assertEquals(200, a.status(), a.body());
    assertEquals("{\"n\":2}", a.body());
    assertEquals(1, idp.proxy().tokenRequests() - idpCalls, "exactly one refresh");
    assertEquals(2, upstream.seen.size());
    assertEquals("Bearer " + before, upstream.seen.get(0).headers().get("Authorization"));
    String after = brokerToken();
    assertNotEquals(before, after);
    assertEquals("Bearer " + after, upstream.seen.get(1).headers().get("Authorization"));
    assertEquals(1.0, count("fake", "retried_after_401"));
    assertEquals(0.0, count("fake", "forwarded"));
  }

  @Test
  void manyConcurrent401sOfOneTokenCostOneRefresh(Vertx vertx) {
    deploy(vertx, proxy("fake", "http://127.0.0.1:" + upstream.port()));
    String before = brokerToken();
    int idpCalls = idp.proxy().tokenRequests();
    upstream.refuse("Bearer " + before);

    List<io.vertx.core.Future<Answer>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(callAsync("fake", HttpMethod.GET, "/students", null));
    }
    io.vertx.core.Future.all(calls).await();

    for (io.vertx.core.Future<Answer> c : calls) {
      assertEquals(200, c.result().status(), c.result().body());
    }
    assertEquals(1, idp.proxy().tokenRequests() - idpCalls, "one refresh for all 20");
    assertEquals(20.0, count("fake", "retried_after_401") + count("fake", "forwarded"));
  }

  @Test
  void aRequestWithABodyIsNotRetriedAfter401(Vertx vertx) {
    deploy(vertx, proxy("fake", "http://127.0.0.1:" + upstream.port()));
    int idpCalls = idp.proxy().tokenRequests();
    upstream.answer(n -> 401);

    Answer post =
        call(
            "fake",
            HttpMethod.POST,
            "/students",
            "{\"name\":\"Grace\"}",
            "Content-Type",
            "application/json");
    Answer put = call("fake", HttpMethod.PUT, "/students/1", "{\"name\":\"Grace\"}");

    assertEquals(401, post.status());
    assertEquals(401, put.status());
    assertEquals(2, upstream.seen.size(), "each sent once");
    assertEquals("{\"name\":\"Grace\"}", upstream.seen.get(0).body());
    assertEquals("{\"name\":\"Grace\"}", upstream.seen.get(1).body());
    assertEquals(0, idp.proxy().tokenRequests() - idpCalls, "no invalidation, no refresh");
    assertEquals(2.0, count("fake", "forwarded"));
    assertEquals(0.0, count("fake", "retried_after_401"));
  }

  @Test
  void withoutAValidTokenNothingIsForwarded(Vertx vertx) {
    idp.proxy().mode(FaultProxy.Mode.ERROR_503);
    broker =
        RunningBroker.deploy(
            vertx,
            idp.brokerConfig()
                .put(
                    "proxies",
                    new JsonArray().add(proxy("fake", "http://127.0.0.1:" + upstream.port()))),
            clock,
            false);
    broker.settle();

    Answer a = call("fake", HttpMethod.GET, "/students", null, "Authorization", "Bearer mine");

    assertEquals(503, a.status());
    assertEquals("temporarily_unavailable", new JsonObject(a.body()).getString("error"));
    assertTrue(a.headers().get("Content-Type").startsWith("application/json"));
    assertFalse(a.headers().get("Retry-After").isEmpty());
    assertEquals(0, upstream.connections.get(), "never forwarded without a token");
    assertEquals(1.0, count("fake", "no_token"));
  }
}
