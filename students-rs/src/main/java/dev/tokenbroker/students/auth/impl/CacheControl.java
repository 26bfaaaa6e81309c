package dev.tokenbroker.students.auth.impl;

import java.util.Locale;

/** Reads the lifetime a JWKS answer may be cached for from its {@code Cache-Control} header. */
final class CacheControl {

  private CacheControl() {}

  /**
   * Seconds from {@code max-age}; 0 when the header is absent, unparsable, or says {@code
   * no-cache}/{@code no-store} (the caller clamps the result to its configured bounds).
   */
  static long maxAgeSeconds(String header) {
    if (header == null) {
      return 0;
    }
    long maxAge = 0;
    for (String directive : header.toLowerCase(Locale.ROOT).split(",")) {
      String d = directive.trim();
      if (d.equals("no-cache") || d.equals("no-store")) {
        return 0;
      }
      if (d.startsWith("max-age=")) {
        String value = d.substring("max-age=".length()).replace("\"", "").trim();
        if (!value.matches("[0-9]{1,10}")) {
          return 0;
        }
        maxAge = Long.parseLong(value);
      }
    }
    return maxAge;
  }
}
