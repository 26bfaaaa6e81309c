package dev.tokenbroker.broker.api.eventbus.impl;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** The frames the bridge sends, field for field as Vert.x's TCP bridge writes them. */
final class Frames {

  private Frames() {}

  /** The 4-byte big-endian length, then the JSON. */
  static Buffer encode(JsonObject payload) {
    Buffer json = payload.toBuffer();
    return Buffer.buffer(json.length() + 4).appendInt(json.length()).appendBuffer(json);
  }

  static Buffer pong() {
    return encode(new JsonObject().put("type", "pong"));
  }

  static Buffer err(String message) {
    return encode(new JsonObject().put("type", "err").put("message", message));
  }

  /** A message delivered to {@code address}: a reply ({@code send} true) or a registration's. */
  static Buffer message(String address, Message<?> m, boolean send) {
    JsonObject headers = new JsonObject();
    for (Map.Entry<String, String> h : m.headers()) {
      headers.put(h.getKey(), h.getValue());
    }
    JsonObject payload =
        new JsonObject().put("type", "message").put("address", address).put("headers", headers);
    if (m.body() != null) {
      payload.put("body", m.body());
    }
    return encode(payload.put("send", send));
  }

  /** The failed reply to a request the client sent with {@code replyAddress}. */
  static Buffer replyFailure(String replyAddress, String address, Throwable cause) {
    return cause instanceof ReplyException e
        ? replyFailure(
            replyAddress, address, e.failureCode(), e.failureType().name(), e.getMessage())
        : replyFailure(replyAddress, address, 500, "ERROR", "internal_error");
  }

  static Buffer replyFailure(
      String replyAddress, String address, int code, String failureType, String message) {
    return encode(
        new JsonObject()
            .put("type", "err")
            .put("address", replyAddress)
            .put("sourceAddress", address)
            .put("failureCode", code)
            .put("failureType", failureType)
            .put("message", message));
  }
}
