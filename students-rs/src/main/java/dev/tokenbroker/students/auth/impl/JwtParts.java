package dev.tokenbroker.students.auth.impl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.tokenbroker.students.auth.AuthFailure;
import dev.tokenbroker.students.auth.AuthFailure.Reason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A JWS in compact serialization split and decoded, but not yet trusted. Parsing is strict: exactly
 * three non-empty base64url segments without padding, header and payload JSON objects with no
 * duplicate members and nothing after the object (a duplicate {@code alg} or {@code exp} could
 * otherwise be read differently by different parsers).
 */
record JwtParts(JsonObject header, JsonObject payload, byte[] signingInput, byte[] signature) {

  private static final JsonFactory STRICT_JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  static final String MALFORMED = "malformed token";

  static JwtParts parse(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second <= first + 1 || second == token.length() - 1) {
      throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
    }
    if (token.indexOf('.', second + 1) >= 0) {
      throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      boolean b64url =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '.';
      if (!b64url) {
        throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
      }
    }
    JsonObject header = json(decode(token.substring(0, first)));
    JsonObject payload = json(decode(token.substring(first + 1, second)));
    byte[] signature = decode(token.substring(second + 1));
    byte[] signingInput = token.substring(0, second).getBytes(StandardCharsets.US_ASCII);
    return new JwtParts(header, payload, signingInput, signature);
  }

  private static byte[] decode(String segment) {
    try {
      return Base64.getUrlDecoder().decode(segment);
    } catch (IllegalArgumentException e) {
      throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
    }
  }

  private static JsonObject json(byte[] bytes) {
    try (JsonParser parser = STRICT_JSON.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof AuthFailure failure) {
        throw failure;
      }
      throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
    }
    try {
      return new JsonObject(Buffer.buffer(bytes));
    } catch (RuntimeException e) {
      throw AuthFailure.invalidToken(Reason.MALFORMED, MALFORMED);
    }
  }
}
