package dev.tokenbroker.broker.idp;

/** Makes text that came from the network safe to log and to return in an error body. */
public final class Sanitizer {

  private static final int MAX = 200;

  private Sanitizer() {}

  /** Printable ASCII only, at most 200 characters; null stays null. */
  public static String safeText(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX));
    for (int i = 0; i < s.length() && sb.length() < MAX; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7F ? c : '?');
    }
    return sb.toString();
  }
}
