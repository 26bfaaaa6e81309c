package dev.tokenbroker.broker.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.RawHttp;
import dev.tokenbroker.testing.RawHttp.Reply;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile HTTP input against the broker's token listener over raw sockets (issue 16): each case
 * asserts the exact answer (status, and whether the connection is closed), that the refusal is
 * counted in {@code token_broker_rejected_requests_total{reason}} where it is a shape refusal, that
 * nothing is logged as SEVERE, and that a normal token request is served afterwards.
 *
 * <p>The one 5xx allowed is Vert.x core's own answer to an unknown HTTP version (see {@link
 * #unknownHttpVersion}).
 */
@ExtendWith(VertxExtension.class)
class HostileHttpTest {

  static final int MAX_CONNECTIONS = 12;
  private static final String OK_URI =
      "/v1/token?audience=https%3A%2F%2Fstudents-api&scope=read%3Astudents";
  private static final String OK_HEAD =
      "Host: 127.0.0.1\r\nToken-Broker-Request: true\r\nConnection: close\r\n";

  private static TestIdp idp;
  private static RunningBroker broker;
  private static final List<LogRecord> severe = new ArrayList<>();
  private static final Handler severeCatcher =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
            synchronized (severe) {
              severe.add(r);
            }
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    idp = TestIdp.start(vertx);
    Events events = new Events();
    broker = RunningBroker.deploy(vertx, config(1), Clock.systemUTC(), true, events);
    events.nextRefresh();
    assertEquals(200, broker.getToken(OK_URI).await().status());
    Logger.getLogger("").addHandler(severeCatcher);
  }

  private static JsonObject config(int headTimeoutSeconds) {
    JsonObject config = idp.brokerConfig();
    config
        .getJsonObject("http")
        .put(
            "limits",
            new JsonObject()
                .put("maxConnections", MAX_CONNECTIONS)
                .put("headTimeoutSeconds", headTimeoutSeconds)
                .put("idleTimeoutSeconds", 30));
    return config;
  }

  @AfterAll
  static void stop() throws Exception {
    Logger.getLogger("").removeHandler(severeCatcher);
    broker.undeploy();
    idp.close();
  }

  @BeforeEach
  void clearLog() {
    synchronized (severe) {
      severe.clear();
    }
  }

  @AfterEach
  void stillServesAndLogsNoStackTrace() throws Exception {
    assertServedFast();
    synchronized (severe) {
      assertEquals(List.of(), severe.stream().map(LogRecord::getMessage).toList());
    }
  }

  private static void assertServedFast() throws Exception {
    long start = System.nanoTime();
    assertEquals(200, RawHttp.status(broker.port(), OK_URI, "Token-Broker-Request: true"));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 1000, "a normal token request took " + ms + " ms");
  }

  private static double rejected(String reason) {
    Counter c =
        broker
            .verticle()
            .metrics()
            .registry()
            .find("token_broker_rejected_requests")
            .tag("reason", reason)
            .counter();
    return c == null ? 0 : c.count();
  }

  private static Reply send(String request) throws Exception {
    return RawHttp.exchange(broker.port(), request.getBytes(StandardCharsets.ISO_8859_1), 3000);
  }

  static Stream<Arguments> shapes() {
    String big = "a".repeat(20_000);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    return Stream.of(
        // RFC 9112 §6.1/§6.3: framing that two parsers could read differently
        Arguments.of(
            "Content-Length with Transfer-Encoding: chunked",
            "POST /v1/token/invalidate HTTP/1.1\r\n"
                + OK_HEAD.replace("Connection: close\r\n", "")
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + "GET "
                + OK_URI
                + " HTTP/1.1\r\n"
                + OK_HEAD
                + "\r\n",
            400,
            true,
            "bad_framing"),
        Arguments.of(
            "unknown coding xchunked with Content-Length",
            "POST /v1/token/invalidate HTTP/1.1\r\n"
                + OK_HEAD
                + "Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}",
            400,
            true,
            "bad_framing"),
        Arguments.of(
            "a coding before chunked",
            "POST /v1/token/invalidate HTTP/1.1\r\n"
                + OK_HEAD
                + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            400,
            true,
            "bad_framing"),
        Arguments.of(
            "chunked not last",
            "POST /v1/token/invalidate HTTP/1.1\r\n"
                + OK_HEAD
                + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
            400,
            true,
            "bad_framing"),
        Arguments.of(
            "two Transfer-Encoding fields",
            "POST /v1/token/invalidate HTTP/1.1\r\n"
                + OK_HEAD
                + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            true,
            "bad_framing"),
        Arguments.of(
            "Transfer-Encoding on HTTP/1.0",
            "POST /v1/token/invalidate HTTP/1.0\r\n"
                + OK_HEAD
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            true,
            "bad_framing"),
        // sizes
        Arguments.of(
            "request line over maxInitialLineBytes",
            "GET /v1/token?audience=" + big + " HTTP/1.1\r\n" + OK_HEAD + "\r\n",
            414,
            true,
            "uri_too_long"),
        Arguments.of(
            "header fields over maxHeaderBytes",
            "GET " + OK_URI + " HTTP/1.1\r\n" + OK_HEAD + "X-Big: " + big + "\r\n\r\n",
            431,
            true,
            "header_too_large"),
        Arguments.of(
            "more than maxHeaders fields",
            "GET " + OK_URI + " HTTP/1.1\r\n" + OK_HEAD + many + "\r\n",
            431,
            true,
            "too_many_headers"),
        // malformed
        Arguments.of(
            "bad percent-encoding in the path",
            "GET /%zz HTTP/1.1\r\n" + OK_HEAD + "\r\n",
            400,
            true,
            "bad_path"),
        Arguments.of(
            "truncated percent-encoding in the path",
            "GET /a%2 HTTP/1.1\r\n" + OK_HEAD + "\r\n",
            400,
            true,
            "bad_path"),
        Arguments.of("garbage request line", "\u0001\u0002 \r\n\r\n", 400, true, "malformed"),
        Arguments.of(
            "space in a header name",
            "GET " + OK_URI + " HTTP/1.1\r\n" + OK_HEAD + "Bad Name: x\r\n\r\n",
            400,
            true,
            "malformed"),
        Arguments.of(
            "h2c upgrade while h2c is off (served as HTTP/1.1)",
            "GET "
                + OK_URI
                + " HTTP/1.1\r\n"
                + OK_HEAD.replace("Connection: close", "Connection: Upgrade, HTTP2-Settings, close")
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
            200,
            true,
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void refusedShapes(String name, String request, int status, boolean closed, String reason)
      throws Exception {
    double before = reason == null ? 0 : rejected(reason);
    Reply r = send(request);
    assertEquals(status, r.status(), r.text());
    assertEquals(closed, r.closed(), "connection closed");
    assertFalse(r.text().contains("Exception"), r.text());
    if (reason != null) {
      assertEquals(before + 1, rejected(reason), "counted as " + reason);
    }
  }

  static Stream<Arguments> hostAndProxy() {
    String get = "GET " + OK_URI + " HTTP/1.1\r\n";
    String rest = "Token-Broker-Request: true\r\nConnection: close\r\n";
    return Stream.of(
        Arguments.of(
            "two Host fields, loopback first",
            get + "Host: 127.0.0.1\r\nHost: evil.example\r\n" + rest + "\r\n",
            400),
        Arguments.of(
            "two identical Host fields",
            get + "Host: 127.0.0.1\r\nHost: 127.0.0.1\r\n" + rest,
            400),
        Arguments.of(
            "absolute-form target naming another host",
            "GET http://evil.example" + OK_URI + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + rest + "\r\n",
            400),
        Arguments.of(
            "absolute-form loopback target, other Host",
            "GET http://127.0.0.1" + OK_URI + " HTTP/1.1\r\nHost: evil.example\r\n" + rest + "\r\n",
            400),
        Arguments.of(
            "absolute-form target and Host agreeing on another host",
            "GET http://evil.example"
                + OK_URI
                + " HTTP/1.1\r\nHost: evil.example\r\n"
                + rest
                + "\r\n",
            403),
        Arguments.of("Via", get + OK_HEAD + "Via: 1.1 proxy\r\n\r\n", 403),
        Arguments.of("Forwarded", get + OK_HEAD + "Forwarded: for=10.0.0.1\r\n\r\n", 403),
        Arguments.of("X-Forwarded-For", get + OK_HEAD + "X-Forwarded-For: 10.0.0.1\r\n\r\n", 403),
        Arguments.of("X-Forwarded-Host", get + OK_HEAD + "X-Forwarded-Host: a\r\n\r\n", 403),
        Arguments.of("X-Forwarded-Proto", get + OK_HEAD + "X-Forwarded-Proto: https\r\n\r\n", 403),
        Arguments.of("X-Forwarded-Port", get + OK_HEAD + "X-Forwarded-Port: 443\r\n\r\n", 403),
        Arguments.of(
            "x-forwarded-anything", get + OK_HEAD + "x-forwarded-whatever: 1\r\n\r\n", 403),
        Arguments.of("X-Real-IP", get + OK_HEAD + "X-Real-IP: 10.0.0.1\r\n\r\n", 403),
        Arguments.of("X-Client-IP", get + OK_HEAD + "X-Client-IP: 10.0.0.1\r\n\r\n", 403),
        Arguments.of("True-Client-IP", get + OK_HEAD + "True-Client-IP: 10.0.0.1\r\n\r\n", 403));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostAndProxy")
  void hostAndProxyRules(String name, String request, int status) throws Exception {
    String req = request.endsWith("\r\n\r\n") ? request : request + "\r\n";
    Reply r = send(req);
    assertEquals(status, r.status(), r.text());
    assertFalse(r.text().contains("access_token"), "no token: " + r.text());
  }

  /** The README's list of proxy signs is the code's, and every sign is refused. */
  @Test
  void theReadmeListsExactlyTheProxySignsTheGuardRefuses() throws Exception {
    String readme =
        java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"))
            .replaceAll("\\s+", " ");
    int at = readme.indexOf("The proxy signs");
    assertTrue(at >= 0, "README section on proxy signs");
    String section = readme.substring(at, readme.indexOf(". ", at));
    List<String> listed = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("`([A-Za-z-]+)`").matcher(section);
    while (m.find()) {
      listed.add(m.group(1));
    }
    listed.removeIf(x -> x.startsWith("-")); // the examples of X-Forwarded-*
    assertEquals(List.of(LocalRequestGuard.PROXY_SIGNS), listed);
    for (String sign : LocalRequestGuard.PROXY_SIGNS) {
      String name = sign.endsWith("-") ? sign + "Anything" : sign;
      Reply r = send("GET " + OK_URI + " HTTP/1.1\r\n" + OK_HEAD + name + ": x\r\n\r\n");
      assertEquals(403, r.status(), sign);
    }
  }

  @Test
  void anAbsoluteFormLoopbackTargetMatchingHostIsServed() throws Exception {
    Reply r =
        send(
            "GET http://127.0.0.1"
                + OK_URI
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nToken-Broker-Request: true\r\n"
                + "Connection: close\r\n\r\n");
    assertEquals(200, r.status(), r.text());
  }

  static Stream<Arguments> wrongMethods() {
    return Stream.of(
        Arguments.of("DELETE", "/metrics", "GET"),
        Arguments.of("POST", "/health/live", "GET"),
        Arguments.of("PUT", "/health/ready", "GET"),
        Arguments.of("GET", "/v1/token/invalidate", "POST"),
        Arguments.of("PUT", "/v1/token", "GET"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("wrongMethods")
  void aKnownPathWithTheWrongMethodIs405WithAllow(String method, String path, String allow)
      throws Exception {
    Reply r = send(method + " " + path + " HTTP/1.1\r\n" + OK_HEAD + "Content-Length: 0\r\n\r\n");
    assertEquals(405, r.status(), r.text());
    assertEquals(allow, r.header("Allow"));
  }

  @Test
  void anUnknownPathIs404() throws Exception {
    assertEquals(404, send("GET /nope HTTP/1.1\r\n" + OK_HEAD + "\r\n").status());
  }

  /**
   * The only 5xx: Vert.x core answers a request line with an HTTP version it does not know itself,
   * 501 and close, before any handler of ours. HTTP/2 prior knowledge ({@code PRI * HTTP/2.0})
   * while h2c is off is such a version.
   */
  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.2", "HTTP/3.0", "HTTP/2.0"})
  void unknownHttpVersion(String version) throws Exception {
    Reply r = send("GET " + OK_URI + " " + version + "\r\n" + OK_HEAD + "\r\n");
    assertEquals(501, r.status(), r.text());
    assertTrue(r.closed());
  }

  @Test
  void h2cPriorKnowledgeWhileOffIsVertxUnknownVersionAnswer() throws Exception {
    Reply r = send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assertEquals(501, r.status(), r.text());
    assertTrue(r.closed());
  }

  @Test
  void anInvalidChunkSizeClosesTheConnectionWithoutAStackTrace() throws Exception {
    double before = rejected("connection_error");
    Reply r =
        send(
            "POST /v1/token/invalidate HTTP/1.1\r\n"
                + OK_HEAD
                + "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                + "zz\r\n{}\r\n0\r\n\r\n");
    assertTrue(r.closed());
    assertTrue(r.status() == -1 || r.status() == 400, r.text());
    assertEquals(before + 1, rejected("connection_error"));
  }

  /**
   * The head deadline never cuts a keep-alive connection that keeps sending requests (here for
   * three deadlines), and closes it quietly (no rejection) once it stays idle.
   */
  @Test
  void aBusyKeepAliveConnectionOutlivesTheHeadDeadlineAndAnIdleOneIsClosed() throws Exception {
    double before = rejected("head_timeout");
    try (Socket s = new Socket("127.0.0.1", broker.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] request =
          ("GET " + OK_URI + " HTTP/1.1\r\nHost: 127.0.0.1\r\nToken-Broker-Request: true\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1);
      long end = System.nanoTime() + 3_000_000_000L;
      int served = 0;
      while (System.nanoTime() < end) {
        out.write(request);
        out.flush();
        String head = readResponse(in);
        assertTrue(head.startsWith("HTTP/1.1 200"), head);
        served++;
        Thread.sleep(300);
      }
      assertTrue(served >= 8, "served " + served);
      long idleStart = System.nanoTime();
      assertEquals(-1, in.read(), "an idle keep-alive connection is closed");
      long idleMs = (System.nanoTime() - idleStart) / 1_000_000;
      assertTrue(idleMs >= 500 && idleMs < 3000, "closed after " + idleMs + " ms idle");
    }
    assertEquals(before, rejected("head_timeout"), "an idle keep-alive close is no rejection");
  }

  /** Reads one response with a Content-Length body; returns its text. */
  private static String readResponse(InputStream in) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new java.io.EOFException("closed after: " + b);
      }
      b.append((char) c);
    }
    String head = b.toString();
    int cl = head.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
    int length = Integer.parseInt(head.substring(cl + 15, head.indexOf("\r\n", cl)).trim());
    for (int i = 0; i < length; i++) {
      b.append((char) in.read());
    }
    return b.toString();
  }

  @Test
  void aSlowlorisHeadIsCutAtTheHeadDeadline() throws Exception {
    double before = rejected("head_timeout");
    try (Socket s = new Socket("127.0.0.1", broker.port())) {
      s.setSoTimeout(100);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] head = ("GET " + OK_URI + " HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes();
      long start = System.nanoTime();
      boolean closed = false;
      for (int i = 0; i < 100 && !closed; i++) {
        try {
          out.write(head[i % head.length]);
          out.flush();
          closed = in.read() < 0;
        } catch (SocketTimeoutException e) {
          // still open; one more byte
        } catch (java.io.IOException e) {
          closed = true;
        }
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(closed, "slowloris connection still open after " + ms + " ms");
      assertTrue(ms < 3000, "closed after " + ms + " ms, head deadline is 1 s");
    }
    assertEquals(before + 1, rejected("head_timeout"));
  }

  /**
   * On a second broker whose head deadline (60 s) outlasts the test, so that the held connections
   * stay open throughout.
   */
  @Test
  void tokensStayFastWhileAbusiveConnectionsAreOpenAndTheCapClosesTheRest(Vertx vertx)
      throws Exception {
    RunningBroker main = broker;
    Events events = new Events();
    broker = RunningBroker.deploy(vertx, config(60), Clock.systemUTC(), true, events);
    events.nextRefresh();
    List<Socket> held = new ArrayList<>();
    try {
      // one slowloris connection, trickling a header byte every 100 ms from a thread
      Socket loris = new Socket("127.0.0.1", broker.port());
      held.add(loris);
      Thread trickle =
          new Thread(
              () -> {
                try {
                  OutputStream out = loris.getOutputStream();
                  out.write(("GET " + OK_URI + " HTTP/1.1\r\n").getBytes());
                  for (int i = 0; i < 20; i++) {
                    out.write('X');
                    out.flush();
                    Thread.sleep(100);
                  }
                } catch (Exception e) {
                  // closed by the server: expected
                }
              });
      trickle.setDaemon(true);
      trickle.start();
      // idle connections up to the cap, less room for the normal request, the previous one (whose
      // close the server may not have processed yet) and the connection RunningBroker's client
      // may keep in its pool
      while (held.size() < MAX_CONNECTIONS - 3) {
        held.add(new Socket("127.0.0.1", broker.port()));
      }
      for (int i = 0; i < 5; i++) {
        assertServedFast();
      }
      // fill up to the cap: the first connection beyond it is accepted and closed at once
      double before = rejected("too_many_connections");
      boolean refused = false;
      while (!refused && held.size() <= MAX_CONNECTIONS) {
        Socket s = new Socket("127.0.0.1", broker.port());
        held.add(s);
        s.setSoTimeout(300);
        try {
          refused = s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
          // held open: below the cap
        }
      }
      assertTrue(refused, "no connection refused with " + held.size() + " open");
      assertEquals(before + 1, rejected("too_many_connections"));
      trickle.join(5000);
    } finally {
      for (Socket s : held) {
        s.close();
      }
      broker.undeploy();
      broker = main;
    }
  }
}
