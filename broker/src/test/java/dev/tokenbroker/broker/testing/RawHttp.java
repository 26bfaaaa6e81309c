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
