package dev.tokenbroker.broker.api.eventbus;

import dev.tokenbroker.broker.api.eventbus.impl.BridgeServer;
import dev.tokenbroker.broker.config.TcpBridgeOptions;
import dev.tokenbroker.broker.metrics.BrokerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.Set;

/**
 * The TCP event-bus bridge: the wire protocol of Vert.x's {@code vertx-tcp-eventbus-bridge}, so its
 * clients in any language work unchanged, served by a server of our own whose every buffer and
 * connection is bounded.
 *
 * <p>Frames are a 4-byte big-endian length and that many bytes of UTF-8 JSON. Clients send {@code
 * {"type":"send"|"publish"|"register"|"unregister"|"ping","address",...}}, with optional {@code
 * replyAddress}, {@code headers} and {@code body}; the bridge answers {@code "message"}, {@code
 * "err"} and {@code "pong"} frames as Vert.x's bridge does. Only the given inbound addresses may be
 * sent or published to, only the outbound ones registered.
 *
 * <p>Unlike Vert.x's bridge (which buffers any declared length, and wedges on a frame it cannot
 * read), a frame longer than {@link TcpBridgeOptions#maxFrameBytes()} is refused from its length
 * prefix alone, and every malformed frame is answered {@code {"type":"err","message":"code:
 * explanation"}} and the connection closed. Connections, outstanding requests per connection and
 * idle connections are limited; each refusal is counted in {@code
 * token_broker_rejected_requests_total{reason}} and logged at most once per kind and minute.
 *
 * <p>Replies to messages the bridge delivers ({@code send} to the {@code replyAddress} of a
 * received message) are not supported: the outbound addresses are publish-only.
 */
public interface TcpBridge {

  static TcpBridge create(
      Vertx vertx,
      TcpBridgeOptions options,
      Set<String> inbound,
      Set<String> outbound,
      BrokerMetrics metrics,
      Clock clock) {
    return new BridgeServer(vertx, options, inbound, outbound, metrics, clock);
  }

  /**
   * Starts listening on the configured host and port; call on the context that should serve the
   * connections (they are confined to it).
   *
   * @return the bound port (the real one when the configured port is {@code 0})
   */
  Future<Integer> listen();

  /** Stops listening and closes every connection. */
  Future<Void> close();
}
