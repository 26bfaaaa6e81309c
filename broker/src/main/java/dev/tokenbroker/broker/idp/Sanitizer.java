package dev.tokenbroker.broker.idp;

import dev.tokenbroker.common.log.LogSafe;

/** Makes text that came from the network safe to log and to return in an error body. */
public final class Sanitizer {

  private Sanitizer() {}

  /** Printable ASCII only, at most 200 characters; null stays null ({@link LogSafe#printable}). */
  public static String safeText(String s) {
    return LogSafe.printable(s);
  }
}
