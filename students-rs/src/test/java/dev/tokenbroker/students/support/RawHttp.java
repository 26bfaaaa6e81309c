package dev.tokenbroker.students.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sends exact request bytes over a socket, for headers an HTTP client would refuse to produce (two
 * Authorization headers, raw non-ASCII bytes, odd spacing). The request must ask for {@code
 * Connection: close}; the answer is read until the server closes.
 */
public final class RawHttp {

  public record Response(int status, Map<String, List<String>> headers, String body) {
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }
  }

  private RawHttp() {}

  public static Future<Response> send(Vertx vertx, int port, byte[] request) {
    NetClient client = vertx.createNetClient();
    return client
        .connect(port, "127.0.0.1")
        .compose(
            socket -> {
              Promise<Buffer> received = Promise.promise();
              Buffer all = Buffer.buffer();
              socket.handler(all::appendBuffer);
              socket.closeHandler(v -> received.tryComplete(all));
              socket.exceptionHandler(received::tryFail);
              socket.write(Buffer.buffer(request));
              return received.future();
            })
        .map(RawHttp::parse)
        .eventually(client::close);
  }

  /** A GET of {@code path} with the given header lines (each without CRLF). */
  public static byte[] get(String path, List<byte[]> headerLines) {
    Buffer b =
        Buffer.buffer("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (byte[] line : headerLines) {
      b.appendBytes(line).appendString("\r\n");
    }
    return b.appendString("\r\n").getBytes();
  }

  public static byte[] line(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static Response parse(Buffer raw) {
    String text = raw.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    String head = end < 0 ? text : text.substring(0, end);
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers
            .computeIfAbsent(
                lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).trim());
      }
    }
    return new Response(status, headers, end < 0 ? "" : text.substring(end + 4));
  }
}
