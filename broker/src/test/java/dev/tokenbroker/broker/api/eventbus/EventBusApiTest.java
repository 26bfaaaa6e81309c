package dev.tokenbroker.broker.api.eventbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenbroker.broker.testing.Events;
import dev.tokenbroker.broker.testing.RunningBroker;
import dev.tokenbroker.broker.testing.TestIdp;
import dev.tokenbroker.testing.MutableClock;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class EventBusApiTest {

  private MutableClock clock;
  private TestIdp idp;
  private Events events;
  private RunningBroker broker;
  private int bridgePort;
  private final BlockingQueue<JsonObject> refreshes = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    clock = MutableClock.atSystemTime();
    idp = TestIdp.start(vertx, clock).tokenLifetimeSeconds(100);
    events = new Events();
    try (ServerSocket s = new ServerSocket(0)) {
      bridgePort = s.getLocalPort();
    }
    vertx.eventBus().<JsonObject>consumer(EventBusApi.REFRESHED, m -> refreshes.add(m.body()));
    JsonObject config = idp.brokerConfig();
    config
        .getJsonObject("eventBus")
        .put(
            "tcpBridge",
            new JsonObject().put("enabled", true).put("host", "127.0.0.1").put("port", bridgePort));
    broker = RunningBroker.deploy(vertx, config, clock, false, events);
    events.nextRefresh();
  }

  @AfterEach
  void tearDown() throws Exception {
    broker.undeploy();
    idp.close();
  }

  private static JsonObject request(String audience, String scope) {
    JsonObject o = new JsonObject().put("audience", audience);
    return scope == null ? o : o.put("scope", scope);
  }

  @Test
  void requestReplyAnswersLikeTheHttpApi(Vertx vertx) {
    JsonObject reply =
        vertx
            .eventBus()
            .<JsonObject>request(EventBusApi.TOKEN, request(TestIdp.AUDIENCE, "read:students"))
            .await()
            .body();
    assertNotNull(reply.getString("access_token"));
    assertEquals("Bearer", reply.getString("token_type"));
    assertEquals("read:students", reply.getString("scope"));
    assertTrue(reply.getLong("expires_in") > 90);
    assertEquals(
        reply.getLong("expires_at"),
        broker
            .getToken("/v1/token?audience=https://students-api&scope=read:students")
            .await()
            .json()
            .getLong("expires_at"));
  }

  @Test
  void failuresCarryTheHttpStatusAsCode(Vertx vertx) {
    ReplyException denied =
        assertThrows(
            ReplyException.class,
            () ->
                vertx
                    .eventBus()
                    .request(EventBusApi.TOKEN, request("https://other-api", null))
                    .await());
    assertEquals(403, denied.failureCode());
    assertTrue(denied.getMessage().startsWith("access_denied: "));
    ReplyException bad =
        assertThrows(
            ReplyException.class,
            () -> vertx.eventBus().request(EventBusApi.TOKEN, "not json").await());
    assertEquals(400, bad.failureCode());
    ReplyException noAudience =
        assertThrows(
            ReplyException.class,
            () -> vertx.eventBus().request(EventBusApi.TOKEN, new JsonObject()).await());
    assertEquals(400, noAudience.failureCode());
  }

  @Test
  void everyRefreshIsAnnouncedWithoutTheToken() throws Exception {
    JsonObject first = refreshes.poll(10, TimeUnit.SECONDS);
    assertNotNull(first, "the start-up fetch is announced");
    assertEquals(TestIdp.AUDIENCE, first.getString("audience"));
    assertEquals("read:students write:students", first.getString("scope"));
    assertEquals("default", first.getString("client"));
    assertFalse(first.containsKey("access_token"));
    assertEquals(4, first.size());

    clock.advanceSeconds(60);
    broker.tick();
    JsonObject second = refreshes.poll(10, TimeUnit.SECONDS);
    assertNotNull(second, "the background refresh is announced");
    assertTrue(second.getLong("expires_at") > first.getLong("expires_at"));
  }

  @Test
  void theTcpBridgeServesTokensAndRefreshesToOtherProcesses(Vertx vertx) throws Exception {
    NetSocket socket = vertx.createNetClient().connect(bridgePort, "127.0.0.1").await();
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    Buffer[] pending = {Buffer.buffer()};
    socket.handler(
        chunk -> {
          Buffer b = pending[0].appendBuffer(chunk);
          while (b.length() >= 4 && b.length() >= 4 + b.getInt(0)) {
            int len = b.getInt(0);
            frames.add(new JsonObject(b.getString(4, 4 + len)));
            b = b.getBuffer(4 + len, b.length());
          }
          pending[0] = b;
        });
    write(socket, new JsonObject().put("type", "register").put("address", EventBusApi.REFRESHED));
    write(
        socket,
        new JsonObject()
            .put("type", "send")
            .put("address", EventBusApi.TOKEN)
            .put("replyAddress", "reply-1")
            .put("body", request(TestIdp.AUDIENCE, "read:students")));
    JsonObject reply = nextFrameFor(frames, "reply-1");
    assertNotNull(reply.getJsonObject("body").getString("access_token"));

    // Only the API's addresses are bridged.
    write(
        socket,
        new JsonObject()
            .put("type", "send")
            .put("address", "some.internal.address")
            .put("replyAddress", "reply-2")
            .put("body", new JsonObject()));
    JsonObject refused = frames.poll(10, TimeUnit.SECONDS);
    assertNotNull(refused);
    assertEquals("err", refused.getString("type"));
    assertEquals("access_denied", refused.getString("message"));

    clock.advanceSeconds(60);
    broker.tick();
    JsonObject refreshed = nextFrameFor(frames, EventBusApi.REFRESHED);
    assertEquals(TestIdp.AUDIENCE, refreshed.getJsonObject("body").getString("audience"));
    assertFalse(refreshed.getJsonObject("body").containsKey("access_token"));
    Promise<Void> closed = Promise.promise();
    socket.closeHandler(v -> closed.tryComplete());
    socket.close();
    closed.future().await();
  }

  private static void write(NetSocket socket, JsonObject frame) {
    Buffer json = frame.toBuffer();
    socket.write(Buffer.buffer().appendInt(json.length()).appendBuffer(json)).await();
  }

  private static JsonObject nextFrameFor(BlockingQueue<JsonObject> frames, String address)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject f = frames.poll(1, TimeUnit.SECONDS);
      if (f != null && address.equals(f.getString("address"))) {
        return f;
      }
    }
    throw new AssertionError("no frame for " + address);
  }
}
