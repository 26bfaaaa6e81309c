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

  /** One answer to raw bytes: status, the text received, and whether the server closed after it. */
  public record Reply(int status, String text, boolean closed) {
    public String header(String name) {
      String lower = text.toLowerCase(java.util.Locale.ROOT);
      int end = lower.indexOf("\r\n\r\n");
      int at = lower.indexOf("\r\n" + name.toLowerCase(java.util.Locale.ROOT) + ":");
      if (at < 0 || (end >= 0 && at > end)) {
        return null;
      }
      int start = at + name.length() + 3;
      return text.substring(start, text.indexOf("\r\n", start)).trim();
    }
  }

  /**
   * Sends {@code request} as is, reads one answer (up to its {@code Content-Length}), then waits up
   * to {@code closeWaitMillis} for the server to close. Status -1: closed without an answer.
   */
  public static Reply exchange(int port, byte[] request, int closeWaitMillis)
      throws java.io.IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      java.io.OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (java.io.IOException e) {
        // the server may close before reading everything (an oversized head): read its answer
      }
      java.io.InputStream in = s.getInputStream();
      java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      boolean closed = false;
      try {
        while (true) {
          int n = in.read(chunk);
          if (n < 0) {
            closed = true;
            break;
          }
          buf.write(chunk, 0, n);
          if (complete(buf.toString(StandardCharsets.ISO_8859_1))) {
            break;
          }
        }
        if (!closed) {
          s.setSoTimeout(closeWaitMillis);
          try {
            closed = in.read() < 0;
          } catch (java.net.SocketTimeoutException e) {
            closed = false;
          }
        }
      } catch (java.net.SocketException e) {
        closed = true; // reset by the server
      }
      String text = buf.toString(StandardCharsets.ISO_8859_1);
      int status =
          text.startsWith("HTTP/") && text.length() >= 12
              ? Integer.parseInt(text.substring(9, 12))
              : -1;
      return new Reply(status, text, closed);
    }
  }

  private static boolean complete(String text) {
    int headerEnd = text.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
      return false;
    }
    int cl = text.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
    if (cl < 0 || cl > headerEnd) {
      return true;
    }
    int eol = text.indexOf("\r\n", cl);
    int length = Integer.parseInt(text.substring(cl + 15, eol).trim());
    return text.length() >= headerEnd + 4 + length;
  }

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
