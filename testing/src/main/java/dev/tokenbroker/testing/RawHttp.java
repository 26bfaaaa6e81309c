package dev.tokenbroker.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sends exact request bytes over a plain socket to 127.0.0.1, for inputs an HTTP client refuses or
 * rewrites (two {@code Authorization} headers, raw non-ASCII bytes, odd spacing, a missing Host).
 * Two ways: {@link #exchange} blocks the calling thread (never call it on an event loop) and reads
 * until the declared {@code Content-Length} arrived or the server closed; {@link #send} is a Vert.x
 * {@code NetClient} and reads until the server closes, so its request must ask for {@code
 * Connection: close}.
 */
public final class RawHttp {

  /** A parsed answer: status, headers by lower-case name (in order), body as ISO-8859-1 text. */
  public record Response(int status, Map<String, List<String>> headers, String body) {

    /** The first value of header {@code name} (any case), or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }
  }

  private RawHttp() {}

  /** Writes {@code request} and returns the whole response text (blocking, 10 s read timeout). */
  public static String exchange(int port, String request) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** {@link #exchange(int, String)} with raw bytes. */
  public static String exchange(int port, byte[] request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      int n;
      while ((n = in.read(chunk)) > 0) {
        buf.write(chunk, 0, n);
        if (complete(buf.toString(StandardCharsets.ISO_8859_1))) {
          break;
        }
      }
      return buf.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** Sends {@code request} with a Vert.x {@code NetClient} and parses what arrives until close. */
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
        .map(raw -> parse(raw.toString(StandardCharsets.ISO_8859_1)))
        .eventually(client::close);
  }

  /**
   * A GET of {@code path} with {@code Host: 127.0.0.1}, {@code Connection: close} and the given
   * header lines (each without CRLF).
   */
  public static byte[] get(String path, List<byte[]> headerLines) {
    Buffer b =
        Buffer.buffer("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (byte[] line : headerLines) {
      b.appendBytes(line).appendString("\r\n");
    }
    return b.appendString("\r\n").getBytes();
  }

  /** A header line as ISO-8859-1 bytes (one byte per char, as written). */
  public static byte[] line(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Parses response text as {@link #exchange} returns it. */
  public static Response parse(String text) {
    int end = text.indexOf("\r\n\r\n");
    String head = end < 0 ? text : text.substring(0, end);
    String[] lines = head.split("\r\n");
    String[] statusLine = lines[0].split(" ");
    if (statusLine.length < 2 || !statusLine[1].matches("\\d{3}")) {
      throw new IllegalArgumentException("not an HTTP response: " + lines[0]);
    }
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
    return new Response(
        Integer.parseInt(statusLine[1]), headers, end < 0 ? "" : text.substring(end + 4));
  }

  /** True once the head and as many body bytes as {@code Content-Length} declares arrived. */
  private static boolean complete(String text) {
    int headerEnd = text.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
      return false;
    }
    String head = text.substring(0, headerEnd).toLowerCase(Locale.ROOT);
    int cl = head.indexOf("\r\ncontent-length:");
    if (cl < 0) {
      return false;
    }
    int eol = head.indexOf("\r\n", cl + 2);
    String value = head.substring(cl + 17, eol < 0 ? head.length() : eol).trim();
    return text.length() >= headerEnd + 4 + Integer.parseInt(value);
  }
}
