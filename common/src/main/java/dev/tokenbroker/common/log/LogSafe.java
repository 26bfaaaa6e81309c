package dev.tokenbroker.common.log;

/** Reduces untrusted text (a kid, a client id) to something safe to put in one log line. */
public final class LogSafe {

  private LogSafe() {}

  /** Keeps {@code [A-Za-z0-9._:@/|+=-]}, replaces anything else by '?', cuts at 128 chars. */
  public static String text(String value) {
    if (value == null) {
      return "-";
    }
    int max = Math.min(value.length(), 128);
    StringBuilder out = new StringBuilder(max);
    for (int i = 0; i < max; i++) {
      char c = value.charAt(i);
      boolean ok =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || "._:@/|+=-".indexOf(c) >= 0;
      out.append(ok ? c : '?');
    }
    if (value.length() > max) {
      out.append("...");
    }
    return out.toString();
  }
}
