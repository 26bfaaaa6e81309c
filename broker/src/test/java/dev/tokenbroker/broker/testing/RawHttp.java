package dev.tokenbroker.broker.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends a request exactly as written over a plain socket, for inputs that well-behaved HTTP clients
 * refuse or rewrite. Returns the whole response text.
 */
public final class RawHttp {

  private RawHttp() {}

  public static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      int n;
      while ((n = in.read(chunk)) > 0) {
        buf.write(chunk, 0, n);
        String text = buf.toString(StandardCharsets.ISO_8859_1);
        int headerEnd = text.indexOf("\r\n\r\n");
        if (headerEnd >= 0) {
          int cl = text.toLowerCase().indexOf("content-length:");
          if (cl >= 0 && cl < headerEnd) {
            int eol = text.indexOf("\r\n", cl);
            int length = Integer.parseInt(text.substring(cl + 15, eol).trim());
            if (buf.size() >= headerEnd + 4 + length) {
              break;
            }
          }
        }
      }
      return buf.toString(StandardCharsets.ISO_8859_1);
    }
  }

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
  public static Reply send(int port, byte[] request, int closeWaitMillis) throws IOException {
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

  /** GET {@code target} with the broker header and a loopback Host; returns the status code. */
  public static int status(int port, String target) throws IOException {
    String resp =
        exchange(
            port,
            "GET "
                + target
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nToken-Broker-Request: true\r\nConnection: close\r\n\r\n");
    return resp.length() >= 12 ? Integer.parseInt(resp.substring(9, 12)) : -1;
  }
}
