package dev.tokenbroker.common.oidc;

/**
 * OIDC / RFC 8414 discovery failed or found a document that must not be used (another issuer, an
 * endpoint breaking the URL rule). The message starts with {@code discovery:} and is safe to log.
 */
public final class DiscoveryException extends RuntimeException {

  private final boolean retryable;

  public DiscoveryException(String message, boolean retryable) {
    super("discovery: " + message, null, false, false);
    this.retryable = retryable;
  }

  /**
   * False when the document itself is unacceptable (another issuer, a plain-http endpoint): trying
   * again will not help until the provider's metadata or our configuration changes.
   */
  public boolean retryable() {
    return retryable;
  }
}
