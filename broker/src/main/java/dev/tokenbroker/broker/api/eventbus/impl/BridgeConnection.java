package dev.tokenbroker.broker.api.eventbus.impl;

import dev.tokenbroker.broker.api.eventbus.impl.BridgeFault.Kind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection: a {@link RecordParser} alternating between the 4-byte length and the frame
 * it announces (checked against the limit before a byte of the frame is kept), the frame's dispatch
 * to the event bus, and the connection's registrations and outstanding requests. Reading pauses
 * while the client does not read our answers. Confined to the bridge's context.
 */
final class BridgeConnection {

  private static final Logger LOG = Logger.getLogger(BridgeConnection.class.getName());

  /**
   * How long a closing connection may take to flush its error frame. Vert.x's close waits for the
   * flush, which never completes when the client does not read; then the channel is closed without
   * it.
   */
  static final long CLOSE_GRACE_MILLIS = 2_000;

  private final BridgeServer server;
  private final NetSocket socket;
  private final String peer;
  private final RecordParser parser = RecordParser.newFixed(4);
  private final Map<String, MessageConsumer<Object>> registrations = new HashMap<>(2);

  /** The announced length of the frame being read, or -1 while reading a length. */
  private int frameLength = -1;

  private long bytesReceived;
  private long bytesFramed;
  private long lastFrameAtMillis;
  private int outstanding;
  private boolean paused;
  private boolean closing;
  private boolean closed;

  BridgeConnection(BridgeServer server, NetSocket socket) {
    this.server = server;
    this.socket = socket;
    this.peer = String.valueOf(socket.remoteAddress());
    this.lastFrameAtMillis = server.clock().millis();
    parser.handler(this::record);
    socket.handler(this::received);
    socket.exceptionHandler(this::failed);
    socket.closeHandler(v -> closed());
  }

  /** Closes the connection if it has been idle too long (see the option's meaning). */
  void checkIdle(long nowMillis, long idleMillis) {
    if (closing) {
      return;
    }
    boolean partialFrame = bytesReceived > bytesFramed;
    boolean waiting = outstanding > 0 || !registrations.isEmpty();
    if ((partialFrame || !waiting) && nowMillis - lastFrameAtMillis >= idleMillis) {
      refuse(
          new BridgeFault(
              Kind.IDLE_TIMEOUT,
              "no complete frame for "
                  + (idleMillis / 1000)
                  + " s"
                  + (partialFrame ? " (a frame was left unfinished)" : "")
                  + "; send ping frames to keep a connection open"));
    }
  }

  private void received(Buffer chunk) {
    if (closing) {
      return; // discarded: nothing is kept once the connection is being closed
    }
    bytesReceived += chunk.length();
    parser.handle(chunk);
  }

  private void record(Buffer record) {
    if (closing) {
      return;
    }
    try {
      if (frameLength < 0) {
        length(record.getInt(0));
      } else {
        bytesFramed += 4L + frameLength;
        frameLength = -1;
        parser.fixedSizeMode(4);
        lastFrameAtMillis = server.clock().millis();
        dispatch(Frame.parse(record));
      }
    } catch (BridgeFault f) {
      refuse(f);
    } catch (RuntimeException e) {
      server.unexpected(e);
      refuse(new BridgeFault(Kind.INTERNAL_ERROR, "the bridge failed on this frame"));
    }
  }

  private void length(int length) {
    int max = server.options().maxFrameBytes();
    if (length > max) {
      throw new BridgeFault(
          Kind.FRAME_TOO_LARGE,
          "the frame announces " + length + " bytes; the limit is " + max + " bytes");
    }
    if (length < 1) {
      throw new BridgeFault(
          Kind.INVALID_LENGTH,
          "the length prefix must be between 1 and " + max + " (4-byte big-endian), was " + length);
    }
    frameLength = length;
    parser.fixedSizeMode(length);
  }

  private void dispatch(Frame f) {
    switch (f.type()) {
      case PING -> write(Frames.pong());
      case SEND -> send(f);
      case PUBLISH -> {
        inbound(f);
        server.eventBus().publish(f.address(), f.body(), f.options());
      }
      case REGISTER -> {
        outbound(f);
        registrations.computeIfAbsent(
            f.address(),
            a ->
                server
                    .eventBus()
                    .consumer(a, m -> write(Frames.message(m.address(), m, m.isSend()))));
      }
      case UNREGISTER -> {
        outbound(f);
        MessageConsumer<Object> c = registrations.remove(f.address());
        if (c == null) {
          throw new BridgeFault(Kind.UNKNOWN_ADDRESS, "not registered");
        }
        c.unregister();
      }
    }
  }

  private void send(Frame f) {
    inbound(f);
    String replyAddress = f.replyAddress();
    if (replyAddress == null) {
      server.eventBus().send(f.address(), f.body(), f.options());
      return;
    }
    int max = server.options().maxOutstandingRequests();
    if (outstanding >= max) {
      BridgeFault fault =
          new BridgeFault(
              Kind.TOO_MANY_OUTSTANDING,
              max + " requests on this connection are awaiting their reply; wait for one");
      server.rejections().record(fault, peer);
      write(
          Frames.replyFailure(
              replyAddress, f.address(), 429, "RECIPIENT_FAILURE", fault.wireMessage()));
      return;
    }
    outstanding++;
    server
        .eventBus()
        .request(f.address(), f.body(), f.options())
        .onComplete(
            ar -> {
              outstanding--;
              if (closing) {
                return;
              }
              write(
                  ar.succeeded()
                      ? Frames.message(replyAddress, ar.result(), true)
                      : Frames.replyFailure(replyAddress, f.address(), ar.cause()));
            });
  }

  private void inbound(Frame f) {
    if (!server.inbound().contains(f.address())) {
      throw new BridgeFault(Kind.ACCESS_DENIED, "address not permitted inbound");
    }
  }

  private void outbound(Frame f) {
    if (!server.outbound().contains(f.address())) {
      throw new BridgeFault(Kind.ACCESS_DENIED, "address not permitted outbound");
    }
  }

  /** Counts and logs the refusal, answers the error frame, and closes when the kind says so. */
  void refuse(BridgeFault f) {
    server.rejections().record(f, peer);
    Buffer err = Frames.err(f.wireMessage());
    if (f.kind().closes()) {
      closing = true;
      parser.pause();
      socket.end(err);
      server.vertx().setTimer(CLOSE_GRACE_MILLIS, id -> forceClose());
    } else {
      write(err);
    }
  }

  /** Writes, and stops reading while the client is not reading what we write. */
  private void write(Buffer frame) {
    if (closing) {
      return;
    }
    socket.write(frame);
    if (!paused && socket.writeQueueFull()) {
      paused = true;
      parser.pause();
      socket.pause();
      socket.drainHandler(
          v -> {
            paused = false;
            socket.resume();
            parser.resume();
          });
    }
  }

  private void forceClose() {
    if (!closed && socket instanceof NetSocketInternal internal) {
      // The context of Vert.x's own handler: closing from there skips its wait for the flush.
      internal.channelHandlerContext().close();
    }
  }

  private void failed(Throwable t) {
    if (t instanceof IOException) {
      LOG.log(Level.FINE, () -> "TCP bridge connection from " + peer + ": " + t);
    } else {
      server.unexpected(t);
    }
    socket.close();
  }

  private void closed() {
    closing = true;
    closed = true;
    registrations.values().forEach(MessageConsumer::unregister);
    registrations.clear();
    server.closed(this);
  }
}
