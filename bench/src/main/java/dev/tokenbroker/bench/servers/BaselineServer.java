package dev.tokenbroker.bench.servers;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The throughput baseline the broker is compared with: the least a Vert.x server can do for the
 * same exchange. One verticle (one event loop, like the broker's single verticle) whose HTTP server
 * answers every request with the same pre-built bytes and the same two headers as the broker's
 * {@code GET /v1/token} hot path, and optionally a TCP event-bus bridge whose {@code
 * token-broker.token} consumer replies a pre-built JSON object.
 *
 * <p>{@code java -cp ... BaselineServer --body FILE [--bridge-port N]}; prints {@code listening on
 * http://127.0.0.1:PORT} on stdout.
 */
public final class BaselineServer extends VerticleBase {

  private static final CharSequence APPLICATION_JSON =
      HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");
  private static final String TOKEN_ADDRESS = "token-broker.token";

  private final Buffer body;
  private final int bridgePort;
  private HttpServer server;
  private TcpEventBusBridge bridge;
  private MessageConsumer<Object> consumer;

  /**
   * @param body the bytes every HTTP answer carries; their JSON form is also the event-bus reply
   * @param bridgePort the TCP bridge port, or -1 for no bridge
   */
  public BaselineServer(Buffer body, int bridgePort) {
    this.body = body;
    this.bridgePort = bridgePort;
  }

  @Override
  public Future<?> start() {
    JsonObject reply = body.toJsonObject();
    consumer = vertx.eventBus().consumer(TOKEN_ADDRESS, msg -> msg.reply(reply));
    return vertx
        .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(
            req ->
                req.response()
                    .putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                    .putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE)
                    .end(body))
        .listen()
        .compose(
            s -> {
              server = s;
              if (bridgePort < 0) {
                return Future.succeededFuture();
              }
              bridge =
                  TcpEventBusBridge.create(
                      vertx,
                      new BridgeOptions()
                          .addInboundPermitted(new PermittedOptions().setAddress(TOKEN_ADDRESS)),
                      new NetServerOptions());
              return bridge.listen(bridgePort, "127.0.0.1");
            });
  }

  @Override
  public Future<?> stop() {
    return Future.join(
        server == null ? Future.succeededFuture() : server.close(),
        bridge == null ? Future.succeededFuture() : bridge.close(),
        consumer == null ? Future.succeededFuture() : consumer.unregister());
  }

  public int actualPort() {
    return server.actualPort();
  }

  public static void main(String[] args) throws IOException {
    Path bodyFile = null;
    int bridgePort = -1;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--body" -> bodyFile = Path.of(args[i + 1]);
        case "--bridge-port" -> bridgePort = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (bodyFile == null) {
      throw new IllegalArgumentException("usage: BaselineServer --body FILE [--bridge-port N]");
    }
    Buffer body = Buffer.buffer(Files.readAllBytes(bodyFile));
    // The broker's Vert.x settings (broker Main), so only the request handling differs.
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(2)
                .setWorkerPoolSize(2)
                .setInternalBlockingPoolSize(2));
    BaselineServer verticle = new BaselineServer(body, bridgePort);
    vertx
        .deployVerticle(verticle)
        .onSuccess(
            id -> System.out.println("listening on http://127.0.0.1:" + verticle.actualPort()))
        .onFailure(
            t -> {
              System.err.println("start failed: " + t);
              System.exit(1);
            });
  }
}
