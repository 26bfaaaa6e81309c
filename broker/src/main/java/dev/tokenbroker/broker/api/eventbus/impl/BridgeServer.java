package dev.tokenbroker.broker.api.eventbus.impl;

import dev.tokenbroker.broker.api.eventbus.TcpBridge;
import dev.tokenbroker.broker.api.eventbus.impl.BridgeFault.Kind;
import dev.tokenbroker.broker.config.TcpBridgeOptions;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bridge's {@link NetServer}: the connection limit, the idle sweep (once a second), and what
 * the connections share. Everything runs on the context that called {@link #listen()}: a Vert.x
 * server started from a verticle serves its connections on that verticle's event loop.
 */
public final class BridgeServer implements TcpBridge {

  private static final Logger LOG = Logger.getLogger(TcpBridge.class.getName());
  private static final long UNEXPECTED_LOG_INTERVAL_MILLIS = RejectionLog.INTERVAL_MILLIS;

  private final Vertx vertx;
  private final TcpBridgeOptions options;
  private final Set<String> inbound;
  private final Set<String> outbound;
  private final Clock clock;
  private final RejectionLog rejections;
  private final Set<BridgeConnection> connections = new HashSet<>();
  private NetServer server;
  private long sweepTimer = -1;
  private long nextUnexpectedLogAt = Long.MIN_VALUE;

  public BridgeServer(
      Vertx vertx,
      TcpBridgeOptions options,
      Set<String> inbound,
      Set<String> outbound,
      BrokerMetrics metrics,
      Clock clock) {
    this.vertx = vertx;
    this.options = options;
    this.inbound = Set.copyOf(inbound);
    this.outbound = Set.copyOf(outbound);
    this.clock = clock;
    this.rejections = new RejectionLog(metrics, clock);
  }

  @Override
  public Future<Integer> listen() {
    server =
        vertx
            .createNetServer(
                new NetServerOptions()
                    .setHost(options.host())
                    .setPort(options.port())
                    .setTcpNoDelay(true))
            .connectHandler(this::connected);
    return server
        .listen()
        .map(
            s -> {
              if (options.idleTimeoutSeconds() > 0) {
                sweepTimer = vertx.setPeriodic(1000, id -> sweep());
              }
              return s.actualPort();
            });
  }

  @Override
  public Future<Void> close() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void connected(NetSocket socket) {
    if (connections.size() >= options.maxConnections()) {
      BridgeFault f =
          new BridgeFault(
              Kind.TOO_MANY_CONNECTIONS,
              options.maxConnections() + " bridge connections are open; the limit is reached");
      rejections.record(f, String.valueOf(socket.remoteAddress()));
      socket.handler(ignored -> {});
      socket.exceptionHandler(ignored -> {});
      Buffer err = Frames.err(f.wireMessage());
      socket.end(err);
      return;
    }
    connections.add(new BridgeConnection(this, socket));
  }

  private void sweep() {
    long now = clock.millis();
    long idle = options.idleTimeoutSeconds() * 1000;
    for (BridgeConnection c : List.copyOf(connections)) {
      c.checkIdle(now, idle);
    }
  }

  void closed(BridgeConnection c) {
    connections.remove(c);
  }

  /** A bug, not input: logged with its stack trace, at most once a minute. */
  void unexpected(Throwable t) {
    long now = clock.millis();
    if (now >= nextUnexpectedLogAt) {
      nextUnexpectedLogAt = now + UNEXPECTED_LOG_INTERVAL_MILLIS;
      LOG.log(Level.SEVERE, "TCP bridge: unexpected failure (logged at most once a minute)", t);
    }
  }

  TcpBridgeOptions options() {
    return options;
  }

  Vertx vertx() {
    return vertx;
  }

  EventBus eventBus() {
    return vertx.eventBus();
  }

  Set<String> inbound() {
    return inbound;
  }

  Set<String> outbound() {
    return outbound;
  }

  Clock clock() {
    return clock;
  }

  RejectionLog rejections() {
    return rejections;
  }
}
