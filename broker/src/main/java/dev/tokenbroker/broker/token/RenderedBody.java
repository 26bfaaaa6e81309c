package dev.tokenbroker.broker.token;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A token's JSON response, encoded once: the bytes before and after the value of {@code
 * expires_in}, which is the only field that changes while the token is held. {@link #at} writes the
 * current value between them when it changes (at most once per second; the last body is kept), so
 * serving a token costs no JSON encoding. The bytes are exactly {@link JsonObject#toBuffer()}'s.
 */
final class RenderedBody {

  /** Encoded in place of {@code expires_in}, then cut out; no other number has 19 nines. */
  private static final long SENTINEL = 999_999_999_999_999_999L;

  private static final byte[] FIELD =
      ("\"expires_in\":" + SENTINEL).getBytes(StandardCharsets.US_ASCII);

  private final byte[] head;
  private final byte[] tail;
  private final long expiresAtMillis;
  private volatile Body body;

  private record Body(long expiresIn, Buffer bytes) {}

  /**
   * @param json the response with {@code expires_in} among its fields (its value is replaced)
   */
  RenderedBody(JsonObject json, long expiresAtMillis) {
    byte[] all = json.copy().put("expires_in", SENTINEL).toBuffer().getBytes();
    // A string's quotes are escaped inside JSON, so the field name with its quotes and colon can
    // only be the field itself.
    int at = indexOf(all, FIELD);
    if (at < 0) {
      throw new IllegalArgumentException("no expires_in field");
    }
    int valueAt = at + FIELD.length - Long.toString(SENTINEL).length();
    this.head = Arrays.copyOfRange(all, 0, valueAt);
    this.tail = Arrays.copyOfRange(all, at + FIELD.length, all.length);
    this.expiresAtMillis = expiresAtMillis;
  }

  /** The body at {@code nowMillis}: {@code expires_in} = whole seconds left, at least 0. */
  Buffer at(long nowMillis) {
    long expiresIn = Math.max(0, (expiresAtMillis - nowMillis) / 1000);
    Body b = body;
    if (b == null || b.expiresIn != expiresIn) {
      byte[] value = Long.toString(expiresIn).getBytes(StandardCharsets.US_ASCII);
      b =
          new Body(
              expiresIn,
              Buffer.buffer(head.length + value.length + tail.length)
                  .appendBytes(head)
                  .appendBytes(value)
                  .appendBytes(tail));
      body = b;
    }
    return b.bytes;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
