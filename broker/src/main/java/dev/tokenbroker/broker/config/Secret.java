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
