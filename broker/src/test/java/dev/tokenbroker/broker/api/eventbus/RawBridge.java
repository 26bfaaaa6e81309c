package dev.tokenbroker.broker.api.eventbus;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A bridge client on a plain blocking socket, for frames a well-behaved client would never send:
 * any length prefix, any bytes, then the answer read frame by frame.
 */
final class RawBridge implements AutoCloseable {

  static final Pattern LISTENING =
      Pattern.compile("TCP event-bus bridge listening on 127\\.0\\.0\\.1:(\\d+)");

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawBridge(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static RawBridge connect(int port) throws IOException {
    return new RawBridge(new Socket("127.0.0.1", port));
  }

  /** The bridge port from a log line such as the broker's start-up line, or -1. */
  static int port(String logLine) {
    Matcher m = LISTENING.matcher(logLine);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  static byte[] frame(byte[] json) {
    return ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).array();
  }

  static byte[] frame(String json) {
    return frame(json.getBytes(StandardCharsets.UTF_8));
  }

  static JsonObject tokenRequest(String replyAddress, String audience) {
    return new JsonObject()
        .put("type", "send")
        .put("address", EventBusApi.TOKEN)
        .put("replyAddress", replyAddress)
        .put("body", new JsonObject().put("audience", audience));
  }

  RawBridge write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  RawBridge send(JsonObject frame) throws IOException {
    return write(frame(frame.encode()));
  }

  RawBridge writeLength(int length) throws IOException {
    return write(ByteBuffer.allocate(4).putInt(length).array());
  }

  /** The next frame; fails if none arrives within 10 s or the bridge closed the connection. */
  JsonObject read() throws IOException {
    int length = in.readInt();
    byte[] json = new byte[length];
    in.readFully(json);
    return new JsonObject(new String(json, StandardCharsets.UTF_8));
  }

  /** The next frame addressed to {@code address}, skipping others. */
  JsonObject readFor(String address) throws IOException {
    while (true) {
      JsonObject f = read();
      if (address.equals(f.getString("address"))) {
        return f;
      }
    }
  }

  /** Whether the bridge closes the connection (end of stream or reset) within 10 s. */
  boolean closedByBridge() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (EOFException | SocketException e) {
      return true;
    }
  }

  /** A token request answered on this connection (the connection is usable). */
  JsonObject token(String replyAddress, String audience) throws IOException {
    send(tokenRequest(replyAddress, audience));
    return readFor(replyAddress);
  }

  int localPort() {
    return socket.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
