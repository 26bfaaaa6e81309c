package dev.tokenbroker.common.log;

/** Reduces untrusted text (a kid, a client id, an answer) to something safe for one log line. */
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

  /**
   * Printable ASCII only (anything else becomes '?'), at most 200 characters; null stays null. For
   * text that came from the network and goes into a log line or an error body.
   */
  public static String printable(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder(Math.min(s.length(), 200));
    for (int i = 0; i < s.length() && sb.length() < 200; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return sb.toString();
  }
}
