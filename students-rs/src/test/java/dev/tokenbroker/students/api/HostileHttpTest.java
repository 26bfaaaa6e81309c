package dev.tokenbroker.students.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.common.http.ListenerLimits;
import dev.tokenbroker.students.StudentsVerticle;
import dev.tokenbroker.students.metrics.StudentsMetrics;
import dev.tokenbroker.students.support.Await;
import dev.tokenbroker.students.support.JwksServer;
import dev.tokenbroker.students.support.TestKeys;
import dev.tokenbroker.students.support.TestServers;
import dev.tokenbroker.students.support.TestTokens;
import dev.tokenbroker.testing.MutableClock;
import dev.tokenbroker.testing.RawHttp;
import dev.tokenbroker.testing.RawHttp.Reply;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile HTTP input against students-rs over raw sockets (issue 16): never a 5xx to input (the one
 * exception is Vert.x core's own 501 for an unknown HTTP version), framing that could smuggle a
 * request refused with 400 and close, limits answered 414/431, connections capped and slow heads
 * cut; each case also checks that nothing is logged as SEVERE and that a normal {@code GET
 * /students} is served afterwards, within 1 s.
 */
@ExtendWith(VertxExtension.class)
class HostileHttpTest {

  static final int MAX_CONNECTIONS = 10;

  private final MutableClock clock = MutableClock.atSystemTime();
  private final List<LogRecord> severe = new ArrayList<>();
  private final Handler severeCatcher =
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
  private StudentsVerticle rs;
  private String valid;

  private JwksServer idp;

  @BeforeEach
  void setUp(Vertx vertx) {
    idp =
        Await.result(
            new JwksServer().keys(TestKeys.rsaJwk(TestKeys.RSA_A, "key-a", "RS256")).start(vertx));
    rs = deploy(vertx, 1);
    valid = TestTokens.rs256(TestKeys.RSA_A, "key-a", TestTokens.claims(clock.epochSecond()));
    Logger.getLogger("").addHandler(severeCatcher);
  }

  @AfterEach
  void stillServesAndLogsNoStackTrace() throws Exception {
    Logger.getLogger("").removeHandler(severeCatcher);
    assertServedFast();
    synchronized (severe) {
      assertEquals(List.of(), severe.stream().map(LogRecord::getMessage).toList());
    }
  }

  private StudentsVerticle deploy(Vertx vertx, int headTimeoutSeconds) {
    return TestServers.deploy(
        vertx,
        TestServers.options(idp)
            .setLimits(
                new ListenerLimits(MAX_CONNECTIONS)
                    .setHeadTimeoutSeconds(headTimeoutSeconds)
                    .setIdleTimeoutSeconds(30)),
        clock);
  }

  private String okHead() {
    return "Host: 127.0.0.1\r\nAuthorization: Bearer " + valid + "\r\nConnection: close\r\n";
  }

  private void assertServedFast() throws Exception {
    long start = System.nanoTime();
    Reply r = send("GET /students HTTP/1.1\r\n" + okHead() + "\r\n");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(200, r.status(), r.text());
    assertTrue(ms < 1000, "a normal request took " + ms + " ms");
  }

  private double rejected(String reason) {
    Counter c =
        rs.metrics().registry().find(StudentsMetrics.REJECTED).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  private Reply send(String request) throws Exception {
    return RawHttp.exchange(rs.actualPort(), request.getBytes(StandardCharsets.ISO_8859_1), 3000);
  }

  static Stream<Arguments> shapes() {
    String big = "a".repeat(20_000);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    String head = "Host: 127.0.0.1\r\n";
    return Stream.of(
        Arguments.of(
            "Content-Length with Transfer-Encoding: chunked (smuggled second request)",
            "GET /students HTTP/1.1\r\n"
                + head
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + "GET /health/live HTTP/1.1\r\n"
                + head
                + "\r\n",
            400,
            "bad_framing"),
        Arguments.of(
            "unknown coding xchunked with Content-Length",
            "GET /students HTTP/1.1\r\n"
                + head
                + "Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}",
            400,
            "bad_framing"),
        Arguments.of(
            "a coding before chunked",
            "GET /students HTTP/1.1\r\n"
                + head
                + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            400,
            "bad_framing"),
        Arguments.of(
            "two Transfer-Encoding fields",
            "GET /students HTTP/1.1\r\n"
                + head
                + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "bad_framing"),
        Arguments.of(
            "request line over maxInitialLineBytes",
            "GET /students?" + big + " HTTP/1.1\r\n" + head + "\r\n",
            414,
            "uri_too_long"),
        Arguments.of(
            "header fields over maxHeaderBytes",
            "GET /students HTTP/1.1\r\n" + head + "X-Big: " + big + "\r\n\r\n",
            431,
            "header_too_large"),
        Arguments.of(
            "more than maxHeaders fields",
            "GET /students HTTP/1.1\r\n" + head + many + "\r\n",
            431,
            "too_many_headers"),
        Arguments.of("GET /%zz", "GET /%zz HTTP/1.1\r\n" + head + "\r\n", 400, "bad_path"),
        Arguments.of("GET /%", "GET /% HTTP/1.1\r\n" + head + "\r\n", 400, "bad_path"),
        Arguments.of("GET /a%2", "GET /a%2 HTTP/1.1\r\n" + head + "\r\n", 400, "bad_path"),
        Arguments.of(
            "GET /students/%zz/x",
            "GET /students/%zz/x HTTP/1.1\r\n" + head + "\r\n", 400, "bad_path"),
        Arguments.of("garbage request line", "\u0001\u0002 \r\n\r\n", 400, "malformed"),
        Arguments.of(
            "space in a header name",
            "GET /students HTTP/1.1\r\n" + head + "Bad Name: x\r\n\r\n",
            400,
            "malformed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void refusedShapes(String name, String request, int status, String reason) throws Exception {
    double before = rejected(reason);
    Reply r = send(request);
    assertEquals(status, r.status(), r.text());
    assertTrue(r.closed(), "connection closed");
    assertFalse(r.text().contains("Exception"), r.text());
    assertEquals(before + 1, rejected(reason), "counted as " + reason);
  }

  static Stream<Arguments> wrongMethods() {
    return Stream.of(
        Arguments.of("POST", "/students", "GET"),
        Arguments.of("DELETE", "/students", "GET"),
        Arguments.of("PUT", "/metrics", "GET"),
        Arguments.of("POST", "/health/live", "GET"),
        Arguments.of("PATCH", "/health/ready", "GET"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("wrongMethods")
  void aKnownPathWithTheWrongMethodIs405WithAllow(String method, String path, String allow)
      throws Exception {
    Reply r = send(method + " " + path + " HTTP/1.1\r\n" + okHead() + "Content-Length: 0\r\n\r\n");
    assertEquals(405, r.status(), r.text());
    assertEquals(allow, r.header("Allow"));
  }

  /** The only 5xx: Vert.x core's own 501 to a version it does not know, before any handler. */
  @ParameterizedTest
  @ValueSource(strings = {"HTTP/1.2", "HTTP/3.0", "HTTP/2.0"})
  void unknownHttpVersion(String version) throws Exception {
    Reply r = send("GET /students " + version + "\r\n" + okHead() + "\r\n");
    assertEquals(501, r.status(), r.text());
    assertTrue(r.closed());
  }

  @Test
  void h2cPriorKnowledgeIsOffByDefault() throws Exception {
    Reply r = send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assertEquals(501, r.status(), r.text());
    assertTrue(r.closed());
  }

  @Test
  void anInvalidChunkSizeClosesTheConnectionWithoutAStackTrace() throws Exception {
    double before = rejected("connection_error");
    Reply r =
        send(
            "GET /students HTTP/1.1\r\n"
                + okHead()
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    assertTrue(r.closed());
    assertTrue(r.status() == -1 || (r.status() >= 400 && r.status() < 500), r.text());
    assertTrue(rejected("connection_error") > before);
  }

  @Test
  void aSlowlorisHeadIsCutAtTheHeadDeadline() throws Exception {
    double before = rejected("head_timeout");
    try (Socket s = new Socket("127.0.0.1", rs.actualPort())) {
      s.setSoTimeout(100);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] head = "GET /students HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes();
      long start = System.nanoTime();
      boolean closed = false;
      for (int i = 0; i < 100 && !closed; i++) {
        try {
          out.write(i < head.length ? head[i] : 'x');
          out.flush();
          closed = in.read() < 0;
        } catch (SocketTimeoutException e) {
          // still open
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

  /** With a head deadline long enough that the held connections stay for the whole test. */
  @Test
  void requestsStayFastWhileAbusiveConnectionsAreOpenAndTheCapClosesTheRest(Vertx vertx)
      throws Exception {
    StudentsVerticle main = rs;
    rs = deploy(vertx, 60);
    List<Socket> held = new ArrayList<>();
    try {
      Socket loris = new Socket("127.0.0.1", rs.actualPort());
      held.add(loris);
      loris.getOutputStream().write("GET /students HTTP/1.1\r\nHost: 1".getBytes());
      // up to the cap, less room for the normal request and for the previous one, whose close the
      // server may not have processed yet
      while (held.size() < MAX_CONNECTIONS - 2) {
        held.add(new Socket("127.0.0.1", rs.actualPort()));
      }
      for (int i = 0; i < 5; i++) {
        assertServedFast();
      }
      double before = rejected("too_many_connections");
      boolean refused = false;
      while (!refused && held.size() <= MAX_CONNECTIONS) {
        Socket s = new Socket("127.0.0.1", rs.actualPort());
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
    } finally {
      for (Socket s : held) {
        s.close();
      }
      rs = main; // checked after the test: still serving
    }
  }
}
