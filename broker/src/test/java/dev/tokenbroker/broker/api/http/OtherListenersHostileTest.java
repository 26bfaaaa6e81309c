package dev.tokenbroker.broker.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import dev.tokenbroker.testing.RawHttp.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The listeners beside the token API get the same hardening ({@code HardenedHttpServer}): the
 * management listener and a token-injecting proxy each refuse smuggling shapes, malformed paths,
 * oversized heads and connections over their cap, and then still serve a normal request. (The token
 * listener's full suite is {@link HostileHttpTest}.)
 */
@ExtendWith(VertxExtension.class)
class OtherListenersHostileTest {

  private static final int MAX_CONNECTIONS = 8;

  private static TestIdp idp;
  private static HttpServer upstream;
  private static RunningBroker broker;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = TestIdp.start(vertx);
    upstream =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().end("upstream"))
            .listen(0, "127.0.0.1")
            .await();
    JsonObject limits = new JsonObject().put("maxConnections", MAX_CONNECTIONS);
    JsonObject config =
        idp.brokerConfig()
            .put("management", new JsonObject().put("port", 0).put("limits", limits))
            .put(
                "proxies",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("name", "up")
                            .put("port", 0)
                            .put("upstream", "http://127.0.0.1:" + upstream.actualPort())
                            .put("audience", TestIdp.AUDIENCE)
                            .put("scopes", new JsonArray().add(TestIdp.SCOPE))
                            .put("limits", limits.copy())));
    broker = RunningBroker.deploy(vertx, config, Clock.systemUTC(), true);
  }

  @AfterAll
  static void stop() throws Exception {
    broker.undeploy();
    upstream.close().await();
    idp.close();
  }

  /** The listener's port and a request it answers 200 once the hostile one is refused. */
  static Stream<Arguments> listeners() {
    return Stream.of(Arguments.of("management", "/health/live"), Arguments.of("proxy", "/any"));
  }

  private static int port(String listener) {
    return listener.equals("management")
        ? broker.verticle().actualManagementPort()
        : broker.verticle().actualProxyPort("up");
  }

  private static Reply send(int port, String request) throws Exception {
    return RawHttp.exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), 3000);
  }

  /**
   * A normal request, repeated while the proxy's first token is being fetched (503) or the listener
   * has not yet seen the test's held connections close (-1: closed unanswered at the cap).
   */
  private static void assertServes(int port, String path) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    int status;
    do {
      status =
          send(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
              .status();
    } while ((status == 503 || status == -1) && System.nanoTime() < deadline);
    assertEquals(200, status, "a normal request after the hostile one");
  }

  @ParameterizedTest
  @MethodSource("listeners")
  void refusesHostileShapesAndStillServes(String listener, String okPath) throws Exception {
    int port = port(listener);
    assertTrue(port > 0, listener + " listening");
    assertServes(port, okPath);

    Reply smuggled =
        send(
            port,
            "POST "
                + okPath
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + "GET "
                + okPath
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assertEquals(400, smuggled.status(), smuggled.text());
    assertTrue(smuggled.closed(), "closed after a Content-Length + Transfer-Encoding request");
    assertEquals(1, smuggled.text().split("HTTP/1.1 ", -1).length - 1, "smuggled one unanswered");

    Reply badPath = send(port, "GET /%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assertEquals(400, badPath.status(), badPath.text());
    assertTrue(badPath.closed());

    Reply bigHead =
        send(
            port,
            "GET "
                + okPath
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                + "a".repeat(20_000)
                + "\r\n\r\n");
    assertEquals(431, bigHead.status(), bigHead.text());

    // Connections beyond the cap are closed unanswered; those within it stay usable.
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        held.add(new Socket("127.0.0.1", port));
      }
      Reply over = send(port, "GET " + okPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertEquals(-1, over.status(), "a connection over the cap is closed unanswered");
      assertTrue(over.closed());
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
    assertServes(port, okPath);
  }
}
