package dev.tokenbroker.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link FaultServer}'s faults as {@link RawHttp} sees them on the wire; {@link MutableClock}. */
class FaultServerTest {

  static final class Hello extends FaultServer<Hello> {
    volatile Fault fault = Fault.NONE;

    @Override
    protected void handle(HttpServerRequest req) {
      answer(req, fault, () -> req.response().end("hello"));
    }
  }

  private Vertx vertx;
  private Hello server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = new Hello().start(vertx).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private RawHttp.Response get() throws IOException {
    return RawHttp.parse(
        RawHttp.exchange(server.port(), RawHttp.get("/", List.of(RawHttp.line("X-Test: 1")))));
  }

  @Test
  void normalAnswerThenInjectedFaults() throws Exception {
    RawHttp.Response ok = get();
    assertEquals(200, ok.status());
    assertEquals("hello", ok.body());
    assertEquals("5", ok.header("CONTENT-LENGTH"));

    server.fault = FaultServer.Fault.ERROR_503;
    server.retryAfter("7");
    RawHttp.Response unavailable = get();
    assertEquals(503, unavailable.status());
    assertEquals("7", unavailable.header("retry-after"));

    server.fault = FaultServer.Fault.NOT_JSON;
    RawHttp.Response garbage = get();
    assertEquals(200, garbage.status());
    assertEquals("application/json", garbage.header("Content-Type"));
    assertTrue(garbage.body().startsWith("<html>"), garbage.body());

    server.fault = FaultServer.Fault.OVERSIZED_DECLARED;
    assertTrue(get().body().length() > 200_000);

    server.fault = FaultServer.Fault.RESET;
    assertEquals("", RawHttp.exchange(server.port(), RawHttp.get("/", List.of())));
  }

  @Test
  void sendReadsUntilTheServerCloses() throws Exception {
    RawHttp.Response r =
        RawHttp.send(vertx, server.port(), RawHttp.get("/", List.of())).await(10, TimeUnit.SECONDS);
    assertEquals(200, r.status());
    assertEquals("hello", r.body());
  }

  @Test
  void parseRefusesWhatIsNotHttp() {
    assertThrows(IllegalArgumentException.class, () -> RawHttp.parse("SSH-2.0-OpenSSH"));
  }

  @Test
  void mutableClockMovesOnlyWhenTold() {
    MutableClock clock = new MutableClock(Instant.ofEpochSecond(1_000));
    clock.advanceSeconds(2);
    clock.advanceMillis(500);
    clock.advance(Duration.ofMillis(-250));
    assertEquals(1_002_250, clock.millis());
    assertEquals(1_002, clock.epochSecond());
    assertEquals(0, MutableClock.atSystemTime().millis() % 1000, "starts at a whole second");
  }
}
