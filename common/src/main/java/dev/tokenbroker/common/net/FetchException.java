package dev.tokenbroker.common.net;

/** A {@link BoundedHttp} exchange that failed; the message is safe to log (no response body). */
public final class FetchException extends RuntimeException {

  /** What went wrong. */
  public enum Kind {
    /** No complete answer within the deadline. */
    TIMEOUT,
    /** The body was (or was declared) larger than the cap. */
    TOO_LARGE,
    /** Connection refused or reset, TLS failure, an invalid URL, a closed client. */
    IO
  }

  private final Kind kind;
  private final int status;

  public FetchException(Kind kind, int status, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.status = status;
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP status when one was received ({@link Kind#TOO_LARGE}), else -1. */
  public int status() {
    return status;
  }
}
