package dev.tokenbroker.broker.api.eventbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.broker.token.CacheListener;
import dev.tokenbroker.broker.token.Token;
import dev.tokenbroker.testing.MutableClock;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
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

/**
 * Hostile and malformed input on the TCP bridge, over raw sockets against a real broker: each case
 * asserts the exact answer (error frame, close or not) and that a new connection is served a token
 * afterwards. Limits are set low here (frames 2048 bytes, 4 connections, 2 outstanding requests, 30
 * s idle) so each one can be reached.
 */
@ExtendWith(VertxExtension.class)
class BridgeHostileInputTest {

  private static final int MAX_FRAME = 2048;
  private static final String COLD = "https://cold-api";
  private static final String TYPES = "send, publish, register, unregister or ping";

  private MutableClock clock;
  private TestIdp idp;
  private RunningBroker broker;
  private int port;
  private final Queue<LogRecord> logged = new ConcurrentLinkedQueue<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    Logger.getLogger("").addHandler(capture);
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock).tokenLifetimeSeconds(100);
    java.util.concurrent.CountDownLatch firstToken = new java.util.concurrent.CountDownLatch(1);
    JsonObject config = idp.brokerConfig();
    config
        .getJsonObject("eventBus")
        .put(
            "tcpBridge",
            new JsonObject()
                .put("enabled", true)
                .put("host", "127.0.0.1")
                .put("port", 0)
                .put("maxFrameBytes", MAX_FRAME)
                .put("maxConnections", 4)
                .put("maxOutstandingRequests", 2)
                .put("idleTimeoutSeconds", 30));
    config
        .getJsonArray("tokens")
        .add(new JsonObject().put("audience", COLD).put("prefetch", false));
    broker =
        RunningBroker.deploy(
            vertx,
            config,
            clock,
            false,
            new CacheListener() {
              @Override
              public void refreshed(Token token, long latencyMillis) {
                firstToken.countDown();
              }
            });
    // On a loaded machine the IdP's first answer can miss the broker's 5 s deadline; the retry is
    // due on the test's clock, so move it and tick until the start-up token is in.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!firstToken.await(2, TimeUnit.SECONDS)) {
      assertTrue(System.nanoTime() < deadline, "no start-up token within 90 s");
      clock.advanceSeconds(1);
      broker.tick();
    }
    port =
        logged.stream()
            .mapToInt(r -> RawBridge.port(r.getMessage()))
            .filter(p -> p > 0)
            .findFirst()
            .orElseThrow(() -> new AssertionError("the bound bridge port is not logged"));
  }

  @AfterEach
  void tearDown() throws Exception {
    Logger.getLogger("").removeHandler(capture);
    broker.undeploy();
    idp.close();
  }

  static Stream<Arguments> malformedFrames() {
    String t = EventBusApi.TOKEN;
    return Stream.of(
        malformed(
            "negative length",
            len(-1),
            "invalid_length: the length prefix must be between 1 and 2048 (4-byte big-endian), was -1"),
        malformed(
            "zero length",
            len(0),
            "invalid_length: the length prefix must be between 1 and 2048 (4-byte big-endian), was 0"),
        malformed("not JSON", RawBridge.frame("hello"), NOT_JSON),
        malformed("a JSON array", RawBridge.frame("[1,2]"), NOT_JSON),
        malformed("JSON null", RawBridge.frame("null"), NOT_JSON),
        malformed("trailing bytes", RawBridge.frame("{} {}"), NOT_JSON),
        malformed(
            "invalid UTF-8",
            RawBridge.frame(new byte[] {'{', '"', 'a', (byte) 0xC3, 0x28, '"', ':', '1', '}'}),
            NOT_JSON),
        malformed(
            "nested deeper than 32",
            RawBridge.frame(
                "{\"type\":\"send\",\"address\":\""
                    + t
                    + "\",\"body\":"
                    + "[".repeat(33)
                    + "]".repeat(33)
                    + "}"),
            "invalid_json: JSON nested deeper than 32 levels"),
        malformed(
            "no type",
            json(new JsonObject().put("address", t)),
            "missing_type: the frame needs a string \"type\": " + TYPES),
        malformed(
            "type not a string",
            json(new JsonObject().put("type", 1).put("address", t)),
            "missing_type: the frame needs a string \"type\": " + TYPES),
        malformed(
            "unknown type",
            json(new JsonObject().put("type", "message").put("address", t)),
            "unknown_type: \"type\" must be " + TYPES),
        malformed(
            "no address",
            json(new JsonObject().put("type", "send").put("body", new JsonObject())),
            MISSING_ADDRESS),
        malformed(
            "empty address",
            json(new JsonObject().put("type", "register").put("address", "")),
            MISSING_ADDRESS),
        malformed(
            "address not a string",
            json(new JsonObject().put("type", "send").put("address", new JsonArray())),
            MISSING_ADDRESS),
        malformed(
            "replyAddress not a string",
            json(send().put("replyAddress", 7)),
            "invalid_reply_address: \"replyAddress\" must be a non-empty string"),
        malformed(
            "headers not an object",
            json(send().put("headers", "x")),
            "invalid_headers: \"headers\" must be a JSON object"),
        malformed(
            "headers an array",
            json(send().put("headers", new JsonArray().add("a"))),
            "invalid_headers: \"headers\" must be a JSON object"),
        malformed(
            "timeout not numeric",
            json(send().put("headers", new JsonObject().put("timeout", "soon"))),
            TIMEOUT),
        malformed(
            "timeout negative",
            json(send().put("headers", new JsonObject().put("timeout", -5))),
            TIMEOUT),
        malformed(
            "timeout fractional",
            json(send().put("headers", new JsonObject().put("timeout", 1.5))),
            TIMEOUT),
        malformed(
            "localOnly not boolean",
            json(send().put("headers", new JsonObject().put("localOnly", "yes"))),
            "invalid_headers: the \"localOnly\" header must be boolean"),
        malformed(
            "codecName",
            json(send().put("headers", new JsonObject().put("codecName", "custom"))),
            "invalid_headers: the \"codecName\" header is not accepted"),
        malformed(
            "header value an object",
            json(send().put("headers", new JsonObject().put("x", new JsonObject()))),
            "invalid_headers: header values must be strings, numbers or booleans"),
        malformed(
            "body number beyond 64 bits",
            RawBridge.frame(
                "{\"type\":\"send\",\"address\":\"" + t + "\",\"body\":123456789012345678901234}"),
            "invalid_body: \"body\" must be JSON that fits the event bus (numbers in 64 bits)"));
  }

  private static final String NOT_JSON = "invalid_json: the frame must be one JSON object in UTF-8";
  private static final String MISSING_ADDRESS =
      "missing_address: the frame needs a non-empty string \"address\"";
  private static final String TIMEOUT =
      "invalid_headers: the \"timeout\" header must be a positive integer (ms)";

  private static Arguments malformed(String name, byte[] bytes, String message) {
    return Arguments.of(name, bytes, message);
  }

  private static byte[] len(int length) {
    return java.nio.ByteBuffer.allocate(4).putInt(length).array();
  }

  private static byte[] json(JsonObject frame) {
    return RawBridge.frame(frame.encode());
  }

  private static JsonObject send() {
    return RawBridge.tokenRequest("r1", TestIdp.AUDIENCE);
  }

  private static JsonObject err(String message) {
    return new JsonObject().put("type", "err").put("message", message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedFrames")
  void aMalformedFrameIsAnsweredWithItsErrorThenTheConnectionIsClosed(
      String name, byte[] bytes, String message) throws Exception {
    try (RawBridge c = RawBridge.connect(port)) {
      c.write(bytes);
      assertEquals(err(message), c.read(), name);
      assertTrue(c.closedByBridge(), "closed after: " + name);
    }
    assertServed();
    assertTrue(rejected("bridge_malformed_frame") >= 1);
    assertNoStackTrace();
  }

  @Test
  void anOversizedLengthIsRefusedFromThePrefixAloneBeforeAnyBodyArrives() throws Exception {
    try (RawBridge c = RawBridge.connect(port)) {
      c.writeLength(100 * 1024 * 1024); // and not a byte of the announced frame
      assertEquals(
          err("frame_too_large: the frame announces 104857600 bytes; the limit is 2048 bytes"),
          c.read());
      assertTrue(c.closedByBridge());
    }
    assertEquals(1, rejected("bridge_frame_too_large"));
    assertServed();
  }

  @Test
  void aFrameOfExactlyTheLimitIsServedAndOneByteMoreIsNot() throws Exception {
    try (RawBridge c = RawBridge.connect(port)) {
      c.write(RawBridge.frame(padded(RawBridge.tokenRequest("r1", TestIdp.AUDIENCE), MAX_FRAME)));
      assertNotNull(c.readFor("r1").getJsonObject("body").getString("access_token"));
      c.write(
          RawBridge.frame(padded(RawBridge.tokenRequest("r2", TestIdp.AUDIENCE), MAX_FRAME + 1)));
      assertEquals(
          err("frame_too_large: the frame announces 2049 bytes; the limit is 2048 bytes"),
          c.read());
      assertTrue(c.closedByBridge());
    }
  }

  @Test
  void framesSplitIntoSingleBytesOrSharingOneWriteAreRead() throws Exception {
    try (RawBridge c = RawBridge.connect(port)) {
      for (byte b : RawBridge.frame(RawBridge.tokenRequest("r1", TestIdp.AUDIENCE).encode())) {
        c.write(new byte[] {b});
      }
      assertEquals("message", c.readFor("r1").getString("type"));
      ByteArrayOutputStream two = new ByteArrayOutputStream();
      two.write(RawBridge.frame("{\"type\":\"ping\"}"));
      two.write(RawBridge.frame(RawBridge.tokenRequest("r2", TestIdp.AUDIENCE).encode()));
      c.write(two.toByteArray());
      assertEquals(new JsonObject().put("type", "pong"), c.read());
      JsonObject reply = c.read();
      assertEquals("message", reply.getString("type"));
      assertEquals("r2", reply.getString("address"));
      assertEquals(Boolean.TRUE, reply.getBoolean("send"));
      assertNotNull(reply.getJsonObject("body").getString("access_token"));
    }
  }

  @Test
  void refusalsLikeVertxBridgeKeepTheConnectionOpen() throws Exception {
    try (RawBridge c = RawBridge.connect(port)) {
      c.send(
          new JsonObject()
              .put("type", "send")
              .put("address", "some.internal.address")
              .put("replyAddress", "r1")
              .put("body", new JsonObject()));
      assertEquals(err("access_denied"), c.read());
      c.send(new JsonObject().put("type", "register").put("address", EventBusApi.TOKEN));
      assertEquals(err("access_denied"), c.read(), "inbound addresses cannot be registered");
      c.send(new JsonObject().put("type", "unregister").put("address", EventBusApi.REFRESHED));
      assertEquals(err("unknown_address"), c.read());
      // The API's own failure, as Vert.x's bridge reports a failed reply.
      c.send(RawBridge.tokenRequest("r2", "https://other-api"));
      JsonObject denied = c.read();
      assertEquals("err", denied.getString("type"));
      assertEquals("r2", denied.getString("address"));
      assertEquals(EventBusApi.TOKEN, denied.getString("sourceAddress"));
      assertEquals(403, denied.getInteger("failureCode"));
      assertEquals("RECIPIENT_FAILURE", denied.getString("failureType"));
      assertTrue(denied.getString("message").startsWith("access_denied: "));
      assertEquals("message", c.token("r3", TestIdp.AUDIENCE).getString("type"));
    }
    assertEquals(2, rejected("bridge_access_denied"));
    assertEquals(1, rejected("bridge_unknown_address"));
  }

  @Test
  void outstandingRequestsAreLimitedPerConnection() throws Exception {
    List<HttpServerRequest> held = new ArrayList<>();
    idp.proxy()
        .override(
            req -> {
              synchronized (held) {
                held.add(req);
              }
            });
    try (RawBridge c = RawBridge.connect(port);
        RawBridge other = RawBridge.connect(port)) {
      c.send(RawBridge.tokenRequest("r1", COLD)); // both wait for the held IdP call
      c.send(RawBridge.tokenRequest("r2", COLD));
      c.send(RawBridge.tokenRequest("r3", COLD));
      assertEquals(
          new JsonObject()
              .put("type", "err")
              .put("address", "r3")
              .put("sourceAddress", EventBusApi.TOKEN)
              .put("failureCode", 429)
              .put("failureType", "RECIPIENT_FAILURE")
              .put(
                  "message",
                  "too_many_outstanding: 2 requests on this connection are awaiting their reply;"
                      + " wait for one"),
          c.read());
      c.write(RawBridge.frame("{\"type\":\"ping\"}"));
      assertEquals(new JsonObject().put("type", "pong"), c.read(), "the connection still works");
      assertEquals(
          "message", other.token("o1", TestIdp.AUDIENCE).getString("type"), "others unaffected");

      // The IdP fails the held call: both waiting requests are answered, and their slots free.
      idp.proxy().override(null);
      synchronized (held) {
        assertEquals(1, held.size(), "one IdP call for the two waiting requests");
        held.get(0).response().setStatusCode(500).end("{\"error\":\"server_error\"}");
      }
      assertEquals("err", c.readFor("r1").getString("type"));
      assertEquals("err", c.readFor("r2").getString("type"));
      assertEquals("message", c.token("r4", TestIdp.AUDIENCE).getString("type"));
    }
    assertEquals(1, rejected("bridge_too_many_outstanding"));
  }

  @Test
  void connectionsAreLimitedAndAFreedSlotIsReused() throws Exception {
    List<RawBridge> open = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        RawBridge c = RawBridge.connect(port);
        open.add(c);
        c.write(RawBridge.frame("{\"type\":\"ping\"}"));
        assertEquals("pong", c.read().getString("type"));
      }
      try (RawBridge fifth = RawBridge.connect(port)) {
        assertEquals(
            err("too_many_connections: 4 bridge connections are open; the limit is reached"),
            fifth.read());
        assertTrue(fifth.closedByBridge());
      }
      assertEquals(1, rejected("bridge_too_many_connections"));
      assertEquals("message", open.get(0).token("r1", TestIdp.AUDIENCE).getString("type"));
      open.remove(0).close();
      assertServed(); // once the bridge has seen the close, the slot is free again
    } finally {
      for (RawBridge c : open) {
        c.close();
      }
    }
  }

  @Test
  void idleConnectionsAreClosedButWaitingOnesAreKept() throws Exception {
    try (RawBridge idle = RawBridge.connect(port);
        RawBridge partial = RawBridge.connect(port);
        RawBridge listening = RawBridge.connect(port)) {
      listening.send(
          new JsonObject().put("type", "register").put("address", EventBusApi.REFRESHED));
      partial.write(new byte[] {0, 0}); // half a length prefix, then nothing
      idle.write(RawBridge.frame("{\"type\":\"ping\"}"));
      assertEquals("pong", idle.read().getString("type"));
      listening.write(RawBridge.frame("{\"type\":\"ping\"}"));
      assertEquals("pong", listening.read().getString("type"));

      clock.advanceSeconds(29);
      idle.write(RawBridge.frame("{\"type\":\"ping\"}"));
      assertEquals("pong", idle.read().getString("type"), "a frame resets the idle time");
      clock.advanceSeconds(31);
      assertEquals(
          err(
              "idle_timeout: no complete frame for 30 s; send ping frames to keep a connection open"),
          idle.read());
      assertTrue(idle.closedByBridge());
      assertEquals(
          err(
              "idle_timeout: no complete frame for 30 s (a frame was left unfinished); send ping"
                  + " frames to keep a connection open"),
          partial.read());
      assertTrue(partial.closedByBridge());

      listening.write(RawBridge.frame("{\"type\":\"ping\"}"));
      assertEquals(
          new JsonObject().put("type", "pong"), listening.read(), "a registered client is kept");
    }
    assertEquals(2, rejected("bridge_idle_timeout"));
  }

  @Test
  void aClientThatDoesNotReadIsNoLongerReadAndIsStillClosedWhenIdle() throws Exception {
    byte[] batch;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < 100; i++) {
      b.write(RawBridge.frame(RawBridge.tokenRequest("r" + i, TestIdp.AUDIENCE).encode()));
    }
    batch = b.toByteArray();
    long total = 256L * 1024 * 1024;
    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.CompletableFuture<Throwable> writerEnded =
        new java.util.concurrent.CompletableFuture<>();
    try (RawBridge c = RawBridge.connect(port)) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  while (written.get() < total) {
                    c.write(batch); // requests whose answers this client never reads
                    written.addAndGet(batch.length);
                  }
                  writerEnded.complete(null);
                } catch (Throwable t) {
                  writerEnded.complete(t);
                }
              },
              "bridge-flooder");
      writer.setDaemon(true);
      writer.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      long last = -1;
      while (written.get() != last) {
        assertTrue(
            System.nanoTime() < deadline && !writerEnded.isDone(),
            "the bridge kept reading from a client that reads nothing: "
                + written.get()
                + " bytes taken");
        last = written.get();
        Thread.sleep(1_000);
      }
      assertTrue(
          last < total && !writerEnded.isDone(),
          "the bridge took all " + total + " bytes from a client that reads nothing");

      // Idle from now on. Advanced again each second in case the bridge read one more frame after
      // the writer looked blocked (a loaded machine), which restarts the idle time.
      Throwable ended = null;
      boolean done = false;
      for (int i = 0; i < 20 && !done; i++) {
        clock.advanceSeconds(31);
        try {
          ended = writerEnded.get(1, TimeUnit.SECONDS);
          done = true;
        } catch (java.util.concurrent.TimeoutException notYet) {
          // the sweep runs once a second; the close takes up to CLOSE_GRACE_MILLIS
        }
      }
      assertTrue(done, "the bridge never closed the connection of a client that does not read");
      assertNotNull(ended, "the blocked writer fails because the bridge closed the connection");
      assertTrue(ended instanceof java.io.IOException, String.valueOf(ended));
    }
    assertEquals(1, rejected("bridge_idle_timeout"));
    assertServed();
  }

  @Test
  void hostileInputIsCountedEveryTimeButLoggedOncePerKindAndMinute() throws Exception {
    for (int i = 0; i < 10; i++) {
      try (RawBridge c = RawBridge.connect(port)) {
        c.writeLength(-1);
        assertEquals("err", c.read().getString("type"));
        assertTrue(c.closedByBridge());
      }
      try (RawBridge c = RawBridge.connect(port)) {
        c.write(RawBridge.frame("{\"type\":\"nope\"}"));
        assertEquals("err", c.read().getString("type"));
        assertTrue(c.closedByBridge());
      }
    }
    assertEquals(20, rejected("bridge_malformed_frame"));
    assertEquals(1, bridgeLines("invalid_length"));
    assertEquals(1, bridgeLines("unknown_type"));

    clock.advanceSeconds(61);
    try (RawBridge c = RawBridge.connect(port)) {
      c.writeLength(-1);
      c.read();
    }
    assertEquals(2, bridgeLines("invalid_length"));
    assertTrue(
        logged.stream()
            .anyMatch(r -> r.getMessage().contains("9 more of this kind since the previous line")),
        "the next line reports how many were not logged");
    assertNoStackTrace();
  }

  /** A new connection is answered a token: the bridge still serves after what came before. */
  private void assertServed() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (RawBridge c = RawBridge.connect(port)) {
        JsonObject reply = c.token("ok", TestIdp.AUDIENCE);
        assertEquals("message", reply.getString("type"), reply.encode());
        assertNotNull(reply.getJsonObject("body").getString("access_token"));
        return;
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        // refused while the bridge still counts a connection that is closing: try again
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  private double rejected(String reason) {
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

  private long bridgeLines(String code) {
    return logged.stream()
        .filter(r -> r.getLoggerName().equals(TcpBridge.class.getName()))
        .filter(r -> r.getMessage().contains(": " + code + ": "))
        .count();
  }

  private void assertNoStackTrace() {
    for (LogRecord r : logged) {
      assertFalse(r.getThrown() != null, "stack trace logged: " + r.getMessage());
    }
  }

  /** {@code frame} encoded and padded with spaces to exactly {@code size} bytes. */
  private static byte[] padded(JsonObject frame, int size) {
    String json = frame.encode();
    return (json.substring(0, json.length() - 1)
            + " ".repeat(size - json.getBytes(StandardCharsets.UTF_8).length)
            + "}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
