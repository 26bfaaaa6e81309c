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

  /**
   * One answer to raw bytes: status (-1 when the server closed without answering), the text
   * received, and whether the server closed the connection after it.
   */
  public record Reply(int status, String text, boolean closed) {

    /** The first value of header {@code name} (any case) in the answer's head, or null. */
    public String header(String name) {
      String lower = text.toLowerCase(Locale.ROOT);
      int end = lower.indexOf("\r\n\r\n");
      int at = lower.indexOf("\r\n" + name.toLowerCase(Locale.ROOT) + ":");
      if (at < 0 || (end >= 0 && at > end)) {
        return null;
      }
      int start = at + name.length() + 3;
      return text.substring(start, text.indexOf("\r\n", start)).trim();
    }
  }

  /**
   * Sends {@code request} as is, reads one answer (its head, then as many body bytes as its {@code
   * Content-Length} declares), then waits up to {@code closeWaitMillis} for the server to close.
   * For hostile-input tests: a server that closes before reading everything is not an error.
   */
  public static Reply exchange(int port, byte[] request, int closeWaitMillis) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // the server may close before reading everything (an oversized head): read its answer
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
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
          if (answered(buf.toString(StandardCharsets.ISO_8859_1))) {
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

  /** True once the head arrived and, if it declares a {@code Content-Length}, that many bytes. */
  private static boolean answered(String text) {
    int headerEnd = text.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
      return false;
    }
    return !text.substring(0, headerEnd).toLowerCase(Locale.ROOT).contains("\r\ncontent-length:")
        || complete(text);
  }

  /**
   * The status of a GET of {@code target} with {@code Host: 127.0.0.1}, {@code Connection: close}
   * and the given header lines (each without CRLF); -1 when no status line came back.
   */
  public static int status(int port, String target, String... headerLines) throws IOException {
    StringBuilder request =
        new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String line : headerLines) {
      request.append(line).append("\r\n");
    }
    String resp = exchange(port, request.append("Connection: close\r\n\r\n").toString());
    return resp.startsWith("HTTP/") && resp.length() >= 12
        ? Integer.parseInt(resp.substring(9, 12))
        : -1;
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
