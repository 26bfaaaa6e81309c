package dev.tokenbroker.broker.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** A secret value that never prints itself: {@link #toString()} is always redacted. */
public final class Secret {

  public static final String REDACTED = "**redacted**";

  private final String value;

  private Secret(String value) {
    this.value = value;
  }

  public static Secret of(String value) {
    return new Secret(value);
  }

  /**
   * A secret file's content as a secret: UTF-8, surrounding white space (the trailing newline of
   * {@code echo > file}) stripped.
   *
   * @throws IllegalArgumentException when nothing is left (the message never holds the content)
   */
  public static Secret fromFileContent(byte[] content) {
    String s = new String(content, StandardCharsets.UTF_8).strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("the file is empty");
    }
    return new Secret(s);
  }

  /** The secret itself, for the one place that sends it to the IdP. */
  public String reveal() {
    return value;
  }

  /** Constant-time comparison, for tests that check a secret arrived intact. */
  public boolean matches(String candidate) {
    return candidate != null
        && MessageDigest.isEqual(
            value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return REDACTED;
  }
}
