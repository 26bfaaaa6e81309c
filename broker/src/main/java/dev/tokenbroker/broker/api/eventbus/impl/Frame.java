package dev.tokenbroker.broker.api.eventbus.impl;

import dev.tokenbroker.broker.api.eventbus.impl.BridgeFault.Kind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * One client frame, read and checked; {@link #parse} throws a {@link BridgeFault} naming the first
 * problem, so nothing malformed reaches the event bus.
 */
record Frame(Type type, String address, String replyAddress, Object body, DeliveryOptions options) {

  /** The frame types a client may send. */
  enum Type {
    SEND,
    PUBLISH,
    REGISTER,
    UNREGISTER,
    PING
  }

  /** Deeper JSON is refused before it is decoded (the API's messages nest three levels). */
  static final int MAX_DEPTH = 32;

  private static final String TYPES = "send, publish, register, unregister or ping";
  private static final Frame PING = new Frame(Type.PING, null, null, null, null);

  static Frame parse(Buffer json) {
    JsonObject msg = decode(json);
    if (!(msg.getValue("type") instanceof String type)) {
      throw new BridgeFault(Kind.MISSING_TYPE, "the frame needs a string \"type\": " + TYPES);
    }
    Type t =
        switch (type) {
          case "send" -> Type.SEND;
          case "publish" -> Type.PUBLISH;
          case "register" -> Type.REGISTER;
          case "unregister" -> Type.UNREGISTER;
          case "ping" -> Type.PING;
          default -> throw new BridgeFault(Kind.UNKNOWN_TYPE, "\"type\" must be " + TYPES);
        };
    if (t == Type.PING) {
      return PING;
    }
    if (!(msg.getValue("address") instanceof String address) || address.isEmpty()) {
      throw new BridgeFault(Kind.MISSING_ADDRESS, "the frame needs a non-empty string \"address\"");
    }
    Object reply = msg.getValue("replyAddress");
    if (reply != null && (!(reply instanceof String r) || r.isEmpty())) {
      throw new BridgeFault(
          Kind.INVALID_REPLY_ADDRESS, "\"replyAddress\" must be a non-empty string");
    }
    Object body = msg.getValue("body");
    if (!(body == null
        || body instanceof JsonObject
        || body instanceof JsonArray
        || body instanceof String
        || body instanceof Boolean
        || body instanceof Integer
        || body instanceof Long
        || body instanceof Double)) {
      throw new BridgeFault(
          Kind.INVALID_BODY, "\"body\" must be JSON that fits the event bus (numbers in 64 bits)");
    }
    return new Frame(t, address, (String) reply, body, options(msg.getValue("headers")));
  }

  private static JsonObject decode(Buffer json) {
    if (depth(json) > MAX_DEPTH) {
      throw new BridgeFault(Kind.INVALID_JSON, "JSON nested deeper than " + MAX_DEPTH + " levels");
    }
    Object value;
    try {
      value = Json.decodeValue(json);
    } catch (RuntimeException e) {
      value = null;
    }
    if (value instanceof JsonObject o) {
      return o;
    }
    throw new BridgeFault(Kind.INVALID_JSON, "the frame must be one JSON object in UTF-8");
  }

  /** The deepest nesting of objects and arrays, outside strings; one pass, no allocation. */
  private static int depth(Buffer json) {
    int depth = 0;
    int max = 0;
    boolean inString = false;
    int n = json.length();
    for (int i = 0; i < n; i++) {
      byte b = json.getByte(i);
      if (inString) {
        if (b == '\\') {
          i++;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        max = Math.max(max, ++depth);
      } else if (b == '}' || b == ']') {
        depth--;
      }
    }
    return max;
  }

  /** The {@code headers} object as Vert.x's bridge reads it, with every value checked. */
  private static DeliveryOptions options(Object headers) {
    DeliveryOptions options = new DeliveryOptions();
    if (headers == null) {
      return options;
    }
    if (!(headers instanceof JsonObject h)) {
      throw new BridgeFault(Kind.INVALID_HEADERS, "\"headers\" must be a JSON object");
    }
    for (Map.Entry<String, Object> e : h) {
      String name = e.getKey();
      Object v = e.getValue();
      switch (name) {
        case "timeout" -> {
          if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1) {
            throw new BridgeFault(
                Kind.INVALID_HEADERS, "the \"timeout\" header must be a positive integer (ms)");
          }
          options.setSendTimeout(((Number) v).longValue());
        }
        case "localOnly" -> {
          if (!(v instanceof Boolean b)) {
            throw new BridgeFault(Kind.INVALID_HEADERS, "the \"localOnly\" header must be boolean");
          }
          options.setLocalOnly(b);
        }
        case "codecName" ->
            throw new BridgeFault(Kind.INVALID_HEADERS, "the \"codecName\" header is not accepted");
        default -> {
          if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
            throw new BridgeFault(
                Kind.INVALID_HEADERS, "header values must be strings, numbers or booleans");
          }
          options.addHeader(name, String.valueOf(v));
        }
      }
    }
    return options;
  }
}
